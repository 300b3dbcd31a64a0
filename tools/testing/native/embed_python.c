/*
 * A program that embeds CPython, for corestack's tests: it is not `python`, it links libpython
 * (shared or static), and it runs a scenario script from C the way an application with a Python
 * plug-in would, so that the core holds the host's own C frames below the interpreter's.
 *
 *   embed_python SCRIPT [ARG...]   runs the scenario (which records its truth and aborts)
 *   embed_python -c CODE           runs CODE (what tools/testing's interpreter probe asks)
 *
 * Built by tools/testing/embedded.mjs against one interpreter's headers and library, with
 * -DEMBED_HOME="<prefix>" so that the interpreter finds its standard library although the program
 * lives elsewhere. Works with CPython 2.7 and 3.x (PyConfig from 3.8 on).
 */
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EMBED_HOME
#error "build with -DEMBED_HOME=\"<the interpreter's prefix>\""
#endif

/* The host application's own frames: they sit below PyRun_* in the crashing thread. */
static int __attribute__((noinline)) host_run_code(const char *code) {
    return PyRun_SimpleString(code);
}

static int __attribute__((noinline)) host_run_script(const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        perror(path);
        return 1;
    }
    /* closeit = 1: the interpreter closes the file. */
    return PyRun_SimpleFileExFlags(file, path, 1, NULL);
}

#if PY_MAJOR_VERSION >= 3 && PY_VERSION_HEX >= 0x03080000
static void start(int argc, char **argv) {
    PyConfig config;
    PyStatus status;
    PyConfig_InitPythonConfig(&config);
    /* sys.argv = argv[1:] (the script first), as `python SCRIPT ARG...` would have it. */
    config.parse_argv = 0;
    status = PyConfig_SetBytesArgv(&config, argc - 1, argv + 1);
    if (!PyStatus_Exception(status)) status = PyConfig_SetBytesString(&config, &config.home, EMBED_HOME);
    if (!PyStatus_Exception(status)) status = PyConfig_SetBytesString(&config, &config.program_name, argv[0]);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) Py_ExitStatusException(status);
}
#elif PY_MAJOR_VERSION >= 3
static void start(int argc, char **argv) {
    static wchar_t *wide[64];
    int count = argc - 1 < 64 ? argc - 1 : 64;
    Py_SetPythonHome(Py_DecodeLocale(EMBED_HOME, NULL));
    Py_SetProgramName(Py_DecodeLocale(argv[0], NULL));
    Py_Initialize();
    for (int index = 0; index < count; index++) wide[index] = Py_DecodeLocale(argv[index + 1], NULL);
    PySys_SetArgvEx(count, wide, 0);
}
#else
static void start(int argc, char **argv) {
    Py_SetPythonHome((char *)EMBED_HOME);
    Py_SetProgramName(argv[0]);
    Py_Initialize();
    PySys_SetArgvEx(argc - 1, argv + 1, 0);
}
#endif

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRIPT [ARG...] | -c CODE\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "-c") == 0) {
        if (argc < 3) return 2;
        /* sys.argv = ["-c"], like python -c. */
        start(2, argv);
        int failed = host_run_code(argv[2]);
        Py_Finalize();
        return failed ? 1 : 0;
    }
    start(argc, argv);
    /* A scenario ends in os.abort(): returning from here means it did not. */
    int failed = host_run_script(argv[1]);
    Py_Finalize();
    return failed ? 1 : 0;
}
