"""Request bodies within bounds: an upload up to the upload limit, anything else up to
`MAX_BODY_BYTES`; refused with 413 as soon as they pass it, declared or streamed."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bespoke.api.problems import problem

MULTIPART_ALLOWANCE = 64 * 1024
"""Room for the multipart envelope around an uploaded file."""

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Any request but an upload: a 1 MB spec sent as an escaped JSON string fits."""

UPLOADS = {("POST", "/api/designs"), ("POST", "/quote")}


class BodyLimit:
    """Refuses a body over its limit: at once when its declared length is over, else when
    the bytes received pass it."""

    def __init__(self, app: ASGIApp, upload_bytes: int) -> None:
        self.app, self.upload_bytes = app, upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = (scope["method"], scope["path"]) in UPLOADS
        limit = self.upload_bytes + MULTIPART_ALLOWANCE if upload else MAX_BODY_BYTES
        what = "uploads are" if upload else "request bodies are"
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            detail = f"request body is {int(declared) / 1e6:.1f} MB; {what} limited to"
            response = problem(413, "Too large", f"{detail} {_mb(limit, upload)}", _errors(upload))
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(
                    413, f"request body is larger than the limit of {_mb(limit, upload)}"
                )
            return message

        await self.app(scope, counted, send)


def _mb(limit: int, upload: bool) -> str:
    return f"{(limit - MULTIPART_ALLOWANCE if upload else limit) / 1e6:.1f} MB"


def _errors(upload: bool) -> list[dict[str, str]]:
    reason = "over the upload size limit" if upload else "over the request size limit"
    return [{"path": "file" if upload else "body", "reason": reason}]
