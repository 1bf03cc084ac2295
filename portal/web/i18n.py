"""Simplified Chinese and English for the pages: a small catalogue, the viewer's choice kept in the session."""

from __future__ import annotations

from flask import request, session

LANGUAGES = ("zh", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "portal.title": ("区域债务信息共享平台", "Regional Debt-Information Portal"),
    "nav.home": ("首页", "Home"),
    "nav.dashboards": ("数据看板", "Dashboards"),
    "nav.graphql": ("GraphQL 接口", "GraphQL API"),
    "nav.logout": ("退出", "Sign out"),
    "nav.reviews": ("抽查复核", "Spot-check reviews"),
    "nav.language": ("English", "中文"),
    "login.title": ("登录", "Sign in"),
    "login.email": ("电子邮箱", "E-mail"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("电子邮箱或密码错误。", "Wrong e-mail address or password."),
    "login.locked": (
        "登录失败次数过多，账户已临时锁定，请稍后再试。",
        "Too many failed sign-ins: the account is locked for a while.",
    ),
    "login.demo_refused": ("演示账户仅可在演示数据库中使用。", "Demo accounts work only on a demo database."),
    "totp.title": ("两步验证", "Two-step verification"),
    "totp.code": ("动态验证码", "Authenticator code"),
    "totp.submit": ("验证", "Verify"),
    "totp.failed": ("验证码不正确。", "The code is not correct."),
    "totp.enrol_title": ("启用两步验证（监管用户必须）", "Enable two-step verification (required for regulator users)"),
    "totp.enrol_help": (
        "请用身份验证器应用添加以下密钥，然后输入显示的六位验证码。",
        "Add this secret to an authenticator app, then enter the six-digit code it shows.",
    ),
    "home.welcome": ("欢迎", "Welcome"),
    "home.institution": ("所属机构", "Institution"),
    "home.roles": ("角色", "Roles"),
    "kind.regulator": ("监管机构", "Regulator"),
    "kind.bank": ("成员银行", "Member bank"),
    "kind.agency": ("催收机构", "Collection agency"),
    "kind.mediator": ("调解中心", "Mediation centre"),
    "kind.tracer": ("资产管理公司", "Asset manager / tracer"),
    "home.regulator": (
        "发布催收服务标准，查看区域指标，审查合规报告，抽查通话，查看全部查询记录。",
        "Publish standards, watch regional metrics, review compliance reports, spot-check calls, see every inquiry.",
    ),
    "home.bank": (
        "向登记簿报送债务，按用途查询共享债务信息，将逾期债务委派给催收机构，为申请人评分。",
        "Report debts, query shared debtor data with a purpose, assign overdue debts to agencies, score applicants.",
    ),
    "home.agency": (
        "处理委派的债务，登记每次联系并上传通话录音，定期报送合规报告。",
        "Work assigned debts, log every contact attempt and upload its recording, file compliance reports.",
    ),
    "home.mediator": (
        "办理诉前调解案件直至达成协议和司法确认。",
        "Run mediation cases to agreement and judicial confirmation.",
    ),
    "home.tracer": ("报送追踪信号，接收资产追踪请求。", "Feed tracing signals and receive tracing requests."),
    "error.csrf": ("表单已过期，请重试。", "The form expired; please try again."),
}


def current_language() -> str:
    """The viewer's language: the session's choice, else the browser's preference, else Chinese."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh", "en"]) if request else None
    return best or "zh"


def translate(key: str, lang: str | None = None) -> str:
    """The text of ``key`` in ``lang`` (the viewer's language by default); the key itself when unknown."""
    pair = CATALOGUE.get(key)
    if pair is None:
        return key
    return pair[1] if (lang or current_language()) == "en" else pair[0]
