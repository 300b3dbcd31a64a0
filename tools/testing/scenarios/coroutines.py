# min-python: 3.6
# summary: crash inside a chain of asyncio coroutines (a task awaiting a coroutine that iterates an async generator awaiting a coroutine), resumed by the event loop
# expect: <module>, main, top, middle, ticker, leaf, crash
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


async def leaf(value):
    await asyncio.sleep(0)
    if value == 1:
        _truth.crash()
    return value


async def ticker(count):
    for value in range(count):
        yield await leaf(value)


async def middle():
    total = 0
    async for value in ticker(3):
        total += value
    return total


async def top():
    return await middle()


def main():
    loop = asyncio.new_event_loop()
    loop.run_until_complete(top())


if __name__ == "__main__":
    main()
