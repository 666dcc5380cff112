"""Errors the serving layer raises; the app turns each into a problem-details response."""


class ServingError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Unauthenticated(ServingError):
    status = 401
    title = "Not authenticated"


class Forbidden(ServingError):
    status = 403
    title = "Forbidden"


class NotFound(ServingError):
    status = 404
    title = "Not found"


class Conflict(ServingError):
    status = 409
    title = "Conflict"


class Invalid(ServingError):
    status = 422
    title = "Invalid request"


class Unavailable(ServingError):
    status = 503
    title = "Service unavailable"
