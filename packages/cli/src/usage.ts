/** The text of `corestack --help`. */
export const USAGE = `Usage: corestack core [options] CORE_FILE [EXECUTABLE]

Print what a Python process was doing when it dumped core: the process information and, for
every thread, the Python stack (most recent call last).

Arguments:
  CORE_FILE                 the core file
  EXECUTABLE                the executable that produced the core (default: found in the core)

Options:
  --json                    print one JSON document (schema 1) instead of text
  --locals                  show each frame's arguments and local variables, with their values
  --native                  show native (C) frames too, in the threads with a Python state: each
                            frame of the evaluation loop is replaced by the Python frames it ran
  --native-all              the same, for every thread (those without Python too)
  --native-last             native frames only after (inner to) the last Python frame
  --exhaustive              when nothing in the interpreter's files leads to its state (stripped of
                            symbols and sections), find it by scanning the core's writable memory
  --debug-dir DIR           with --native: a directory of separate debug files (repeatable), searched
                            before /usr/lib/debug, by build-id (DIR/.build-id/xx/….debug) and by
                            .gnu_debuglink name (DIR/NAME, DIR/<directory of the file>/NAME)
  --lib-search-path A:B     directories to search for the executable and shared libraries
  --lib-search-root DIR     a directory tree to search for them by file name
  --color                   always colour the output (also: FORCE_COLOR=1)
  --no-color                never colour the output (also: NO_COLOR=1; colour is off when not a TTY)
  --verbose                 say more: where files were found, the layout used, and stack traces of internal errors
  -h, --help                show this help
  -V, --version             show the version

Exit codes:
  0  analysed; every thread read
  1  analysed, but some threads could not be read completely, or none at all (said on stderr)
  2  usage error
  3  input unusable: not a core file, truncated, not a Python process, a missing file,
     or an unsupported Python version
  4  internal error: a bug in corestack (run with --verbose and report it)
`;
