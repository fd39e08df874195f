"""Staff sign-in: the OAuth2 password flow, and who is signed in."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from knowledge.accounts import AccessToken, UserView, authenticate, issue_token
from knowledge.api.clients import client_address, trusted_proxies
from knowledge.api.deps import current_user, get_session
from knowledge.config import get_settings
from knowledge.db import commit

TOO_MANY = "Bạn đăng nhập quá nhiều lần. Bạn đợi ít phút rồi thử lại nhé."

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", response_model=AccessToken, responses={401: {}, 429: {}})
def create_access_token(
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    session: Session = Depends(get_session),
) -> AccessToken:
    """Đăng nhập (OAuth2 password flow): tên đăng nhập và mật khẩu → mã truy cập có hạn."""
    peer = request.client.host if request.client else None
    client = client_address(peer, request.headers.get("x-forwarded-for"), trusted_proxies())
    request.app.state.limits.check(get_settings().login_rate_limit, f"login:{client}", TOO_MANY)
    user = authenticate(session, form.username, form.password)
    commit(session)  # the sign-in time, before answering
    return issue_token(user)


@router.get("/me", response_model=UserView, responses={401: {}})
def read_current_user(user: UserView = Depends(current_user)) -> UserView:
    """Tài khoản đang đăng nhập: tên, vai trò."""
    return user
