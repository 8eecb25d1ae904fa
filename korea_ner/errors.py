"""The exceptions kner raises, each mapped to a documented exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_SKIPPED = 1  # finished, but some input was skipped (each one warned about)
EXIT_USAGE = 2  # bad arguments, missing paths, unreadable alias file, model not found
EXIT_WORKER_DIED = 3  # a --jobs worker process was killed (e.g. out of memory); the output is incomplete
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # like a shell tool killed by SIGPIPE (e.g. `| head -1`)


class KnerError(Exception):
    """An error the user can fix; the CLI prints it as one line."""

    exit_code = EXIT_USAGE


class InputError(KnerError):
    """A path or input that cannot be used at all (missing, unreadable, empty directory)."""


class WorkerDiedError(KnerError):
    """A worker process of ``--jobs N`` ended in the middle of the run (killed from outside)."""

    exit_code = EXIT_WORKER_DIED


class ModelError(KnerError):
    """The requested spaCy pipeline cannot be found or loaded."""
