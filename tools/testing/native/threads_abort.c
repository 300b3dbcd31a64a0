/* A non-Python process for corestack's "not a Python process" tests: the main thread starts two
 * threads, waits until both have recorded their OS thread ids, writes them as JSON (to
 * $CORESTACK_TRUTH, default ./truth.json), then calls abort(). Built by tools/testing/core_maker.mjs:
 *   gcc -g -O0 -pthread -o threads_abort threads_abort.c */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t barrier;
static long tids[3];

static void *worker(void *argument) {
  long index = (long)argument;
  tids[index] = syscall(SYS_gettid);
  pthread_barrier_wait(&barrier);
  for (;;) pause();
  return NULL;
}

int main(void) {
  pthread_t threads[2];
  const char *path = getenv("CORESTACK_TRUTH");
  FILE *out;
  tids[0] = syscall(SYS_gettid);
  pthread_barrier_init(&barrier, NULL, 3);
  for (long index = 1; index <= 2; index++) {
    if (pthread_create(&threads[index - 1], NULL, worker, (void *)index) != 0) return 2;
  }
  pthread_barrier_wait(&barrier);
  usleep(50 * 1000); /* let both workers reach pause() */
  out = fopen(path ? path : "truth.json", "w");
  if (out == NULL) return 3;
  fprintf(out, "{\"format\": 1, \"pid\": %d, \"tids\": [%ld, %ld, %ld]}\n", (int)getpid(), tids[0], tids[1], tids[2]);
  fclose(out);
  abort();
}
