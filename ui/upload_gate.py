"""Streamlit's upload route takes files only from sessions this app gave an uploader to.

Streamlit answers ``PUT /_stcore/upload_file/<session>/<file>`` for any live session, whether
or not its page drew a ``st.file_uploader``: on a public dashboard a visitor could push files
into the server's memory. The route asks the runtime whether the session is live before it
reads the body; :func:`install` wraps that question (once per process) so the answer is 403
unless the session was granted uploads (:func:`allow`, from :func:`ui.access.current`: only
visitors who may write), and 403 again once the session holds as many files or bytes as one
upload may (:data:`insight.data.policy.UPLOAD_LIMITS`, plus one file for the batch lookup).
Nothing of a refused request's body is read or kept.

The gate is in place from the first page run in the process; the nginx recipe
(``deploy/nginx.conf.template``) also refuses the route to anyone without a sign-in cookie.
"""

from __future__ import annotations

import threading

from starlette.exceptions import HTTPException
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFileManager

from insight.data.policy import UPLOAD_LIMITS

#: Files one session may hold: a full upload and the batch lookup's file.
MAX_FILES = UPLOAD_LIMITS.files + 1
#: Bytes one session may hold before another file is refused (a file is at most
#: ``UPLOAD_LIMITS.file_bytes`` more).
MAX_BYTES = UPLOAD_LIMITS.total_bytes + UPLOAD_LIMITS.file_bytes

_granted: set[str] = set()
_lock = threading.Lock()
_installed = False


def _held(manager: UploadedFileManager, session_id: str) -> tuple[int, int]:
    """Files and bytes the session holds in Streamlit's upload manager."""
    storage = getattr(manager, "file_storage", {}).get(session_id) or {}
    files = list(storage.values())
    return len(files), sum(len(getattr(f, "data", b"")) for f in files)


def check(session_id: str, manager: UploadedFileManager) -> str | None:
    """Why an upload to ``session_id`` is refused, or None when it may go ahead.

    Parameters
    ----------
    session_id : str
        Streamlit's session id, from the upload URL.
    manager : object
        Streamlit's uploaded-file manager (its ``file_storage`` says what the session holds).

    Returns
    -------
    str or None
        The reason (for the server's log and the 403 response), or None.

    Examples
    --------
    >>> check("nobody", object())
    'this session may not upload files'
    """
    with _lock:
        granted = session_id in _granted
    if not granted:
        return "this session may not upload files"
    files, size = _held(manager, session_id)
    if files >= MAX_FILES or size >= MAX_BYTES:
        return f"this session already holds {files} files ({size // 1024 // 1024} MB)"
    return None


def allow(may_upload: bool) -> None:
    """Grant (or withdraw) uploads for the session running this script.

    Parameters
    ----------
    may_upload : bool
        Whether this visitor may write (see :func:`ui.access.current`).
    """
    install()
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with _lock:
        if may_upload:
            _granted.add(ctx.session_id)
        else:
            _granted.discard(ctx.session_id)


def install() -> bool:
    """Put the gate in front of Streamlit's upload route (once per process).

    Returns
    -------
    bool
        Whether the gate is in place (False where no Streamlit server runs, e.g. AppTest).
    """
    global _installed
    with _lock:
        if _installed:
            return True
        if not Runtime.exists():
            return False
        runtime = Runtime.instance()
        manager = runtime.uploaded_file_mgr
        live = runtime.is_active_session

        # The upload route is the only caller of Runtime.is_active_session (Streamlit 1.67);
        # it asks before reading the request's body, so a refusal here costs no memory.
        def is_active_session(session_id: str) -> bool:
            if not live(session_id):
                _forget(session_id)
                return False
            reason = check(session_id, manager)
            if reason is not None:
                raise HTTPException(status_code=403, detail=f"Upload refused: {reason}.")
            return True

        runtime.is_active_session = is_active_session  # type: ignore[method-assign]
        _installed = True
        return True


def _forget(session_id: str) -> None:
    with _lock:
        _granted.discard(session_id)
