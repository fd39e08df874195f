"""Staff sign-in: the OAuth2 password flow, and who is signed in."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from knowledge.accounts import AccessToken, UserView, authenticate, issue_token
from knowledge.api.deps import current_user, get_session
from knowledge.config import get_settings

TOO_MANY = "Bạn đăng nhập quá nhiều lần. Bạn đợi ít phút rồi thử lại nhé."

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", response_model=AccessToken, responses={401: {}, 429: {}})
def create_access_token(
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    session: Session = Depends(get_session),
) -> AccessToken:
    """Đăng nhập (OAuth2 password flow): tên đăng nhập và mật khẩu → mã truy cập có hạn."""
    client = request.client.host if request.client else "unknown"
    request.app.state.limits.check(get_settings().login_rate_limit, f"login:{client}", TOO_MANY)
    return issue_token(authenticate(session, form.username, form.password))


@router.get("/me", response_model=UserView, responses={401: {}})
def read_current_user(user: UserView = Depends(current_user)) -> UserView:
    """Tài khoản đang đăng nhập: tên, vai trò."""
    return user
