"""Runs `tokendesk` as a QProcess: asynchronous, so QGIS's UI thread never waits for it.

The token only ever travels on the child's stdout, read here; never on a command line."""

import os
import shutil

from qgis.PyQt.QtCore import QObject, QProcess, QProcessEnvironment, QTimer


class Result:
    """How one `tokendesk` run ended."""

    def __init__(self, code, stdout="", stderr="", not_found=False, failed=None):
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        #: The program could not be started (not found, not executable).
        self.not_found = not_found
        #: Another reason the run did not finish (crashed, timed out), in words.
        self.failed = failed

    @property
    def ok(self):
        return self.code == 0 and not self.not_found and not self.failed


def find_program(configured):
    """The `tokendesk` to run: the configured path if set, else the one on PATH (or None)."""
    if configured:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    return shutil.which("tokendesk")


class Runner(QObject):
    """Starts `tokendesk ARGS` and calls `done(Result)` once, on the UI thread, when it ends."""

    def __init__(self, program_path, parent=None):
        super().__init__(parent)
        #: A callable giving the configured path ("" for PATH).
        self._program_path = program_path
        self._running = set()

    def run(self, args, done, timeout_ms=60_000):
        program = find_program(self._program_path())
        if program is None:
            QTimer.singleShot(0, lambda: done(Result(None, not_found=True)))
            return None
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        # TokenDesk's messages are what the plugin shows; no debug logs wanted here.
        env.remove("TOKENDESK_LOG")
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.SeparateChannels)
        process.setStandardInputFile(QProcess.nullDevice())
        state = {"finished": False}
        timer = QTimer(process)
        timer.setSingleShot(True)

        def finish(result):
            if state["finished"]:
                return
            state["finished"] = True
            timer.stop()
            self._running.discard(process)
            process.deleteLater()
            done(result)

        def on_finished(code, status):
            out = bytes(process.readAllStandardOutput()).decode("utf-8", "replace")
            err = bytes(process.readAllStandardError()).decode("utf-8", "replace")
            if status == QProcess.CrashExit:
                finish(Result(None, out, err, failed="TokenDesk ended unexpectedly."))
            else:
                finish(Result(code, out, err))

        def on_error(error):
            if error == QProcess.FailedToStart:
                finish(Result(None, not_found=True))
            elif error == QProcess.Crashed:
                # `finished` follows with CrashExit, unless we killed it (timeout).
                pass

        def on_timeout():
            process.kill()
            finish(Result(None, failed="TokenDesk did not answer within {} s.".format(timeout_ms // 1000)))

        process.finished.connect(on_finished)
        process.errorOccurred.connect(on_error)
        if timeout_ms:
            timer.timeout.connect(on_timeout)
            timer.start(timeout_ms)
        self._running.add(process)
        process.start(program, list(args))
        return process

    def stop_all(self):
        for process in list(self._running):
            process.kill()
            process.waitForFinished(1000)
        self._running.clear()
