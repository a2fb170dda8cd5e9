"""Service settings, read from the environment with the UROSTER_ prefix."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = f"sqlite:///{Path('var/uroster.db').absolute()}"
# "22:00-07:00" (from-to, local time, may run past midnight) or "" (none).
QUIET_HOURS_PATTERN = r"^(([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)?$"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UROSTER_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    token_ttl_hours: float = Field(default=12.0, gt=0)
    # A console session unused this long ends (a laptop left open in an office).
    session_idle_minutes: int = Field(default=60, ge=1)
    # How long an invitation code for an imported volunteer stays valid.
    invitation_ttl_days: float = Field(default=14.0, gt=0)
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    default_phone_region: str = "CN"
    default_timezone: str = "Asia/Shanghai"
    import_max_bytes: int = 5 * 1024 * 1024
    # Any other request body over this is refused with 413 before it is read whole.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # /metrics answers admins only, unless a scraper without a token must read it.
    metrics_public: bool = False
    log_level: str = "INFO"
    # Requests in flight per process; more are answered 503 by uvicorn. The worker
    # thread pool is sized above it (see app.main.lifespan).
    max_concurrent_requests: int = Field(default=100, ge=1)
    # PostgreSQL connections each process keeps open; a request finding all in use
    # waits for one. A fixed pool: connections opened past it for a burst and closed
    # after each use cost PostgreSQL a new backend per request (see db.make_engine).
    database_pool_size: int = Field(default=30, ge=1)
    # Rosters: the 15-minute service circle, at an urban travel speed.
    default_max_travel_minutes: int = Field(default=15, ge=1)
    travel_speed_kmh: float = Field(default=20.0, gt=0)
    solver_time_limit_seconds: float = Field(default=30.0, gt=0, le=3600)
    solver_workers: int = Field(default=2, ge=1)
    # A solving job whose worker has been silent this long is taken as dead.
    job_stale_seconds: float = Field(default=60.0, gt=0)
    # Token buckets per client IP (in-process: each API process counts its own).
    # The auth bucket takes every sign-in, registration and password change, failed or
    # not: a coarse flood guard for the CPU (each one hashes with argon2), sized for a
    # whole office behind one address. Kiosks refresh twice a minute and flush offline
    # queues in bursts.
    auth_rate_per_minute: float = Field(default=300.0, gt=0)
    auth_rate_burst: int = Field(default=100, ge=1)
    # Sliding windows counted in the database (shared by every API process): failed
    # sign-ins and password changes per account (unknown usernames too), failures of
    # any kind (sign-in, password change, invitation code) per client IP, and
    # registrations per client IP. At the limit the answer is 429 with Retry-After.
    auth_account_failures: int = Field(default=10, ge=1)
    auth_account_window_seconds: float = Field(default=900.0, gt=0)
    auth_ip_failures: int = Field(default=100, ge=1)
    auth_ip_window_seconds: float = Field(default=900.0, gt=0)
    registrations_per_ip: int = Field(default=100, ge=1)
    registration_window_seconds: float = Field(default=3600.0, gt=0)
    kiosk_rate_per_minute: float = Field(default=120.0, gt=0)
    kiosk_rate_burst: int = Field(default=60, ge=1)
    # Public certificate checks (/verify/{code}) per client IP: plenty for people
    # scanning QR codes, far too few to enumerate 60-bit codes.
    verify_rate_per_minute: float = Field(default=30.0, gt=0)
    verify_rate_burst: int = Field(default=20, ge=1)
    # A TrueType/OpenType font (.ttf, .otf, .ttc) with Chinese glyphs for certificate
    # PDFs; unset: found with fc-match or at Debian's usual paths (app.certificates.pdf).
    certificate_font: str | None = None
    # A coordinator's hours correction may exceed the shift's length by this much
    # (a volunteer who stayed on to hand over).
    hours_correction_slack_hours: float = Field(default=2.0, ge=0, le=24)
    # The address people and calendar apps reach the service at, for the links it
    # hands out; default http://<host>:<port>. Never taken from the request's Host.
    public_url: str | None = None
    # Map tiles of the console's maps, e.g. https://tiles.example.org/{z}/{x}/{y}.png (an
    # office's own tile server on an intranet). Unset: the maps draw their markers on a
    # plain background.
    map_tile_url: str | None = None
    # Notifications by e-mail (app/notifications). The defaults suit an office relay:
    # no sign-in, no STARTTLS. Unset host: messages wait in the outbox, none is lost.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "U-Roster <noreply@localhost>"
    # A failed delivery is tried again after 30 s, doubling up to an hour, and given up
    # (kept, with its last error) after this many attempts.
    notification_max_attempts: int = Field(default=10, ge=1)
    # A message being sent is claimed for this long; if its worker dies mid-send, another
    # sends it once the claim runs out. Longer than the SMTP timeout, so that a slow
    # send is never taken for a dead one.
    notification_claim_seconds: float = Field(default=300.0, gt=0)
    # Webhooks (app/webhooks): an attempt fails if the receiver has not answered in time
    # (retried like e-mail, with the same claim period and attempt limit).
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # What a webhook body tells of a volunteer beyond their id: "name,phone" where an
    # office's SMS gateway needs them; none by default.
    webhook_personal_fields: str = Field(default="", pattern=r"^((name|phone)(,(name|phone))?)?$")
    # The coordinators' daily digest (app/digests) at this local time (the default
    # timezone): by e-mail to each coordinator, and to these Apprise URLs (chat bots such
    # as "wecombot://KEY", "dingtalk://TOKEN", "feishu://TOKEN"), separated by spaces.
    digest_time: str = Field(default="07:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    digest_apprise_urls: str = ""
    # The volunteers' defaults until they choose their own (app/notifications/
    # preferences.py reads them): reminders this many minutes before each duty, and
    # quiet hours (local time) in which no reminder is sent; "" for none of either.
    reminder_lead_minutes: str = Field(default="1440,120", pattern=r"^(\d{1,5}(,\d{1,5})*)?$")
    quiet_hours: str = Field(default="22:00-07:00", pattern=QUIET_HOURS_PATTERN)
    # Short-notice cover (app/cover): a seat that opens less than this many hours before
    # its start is offered to the best-fitting volunteers, this many per open seat at a
    # time, to a wider circle every this many minutes until it is taken or starts.
    cover_notice_hours: float = Field(default=72.0, gt=0)
    cover_wave_size: int = Field(default=3, ge=1)
    cover_wave_minutes: float = Field(default=20.0, gt=0)
    # Teams (app/teams): seats a team adopted are kept for its members until this many
    # hours before the shift starts; then anyone may take them and cover offers them.
    adoption_release_hours: float = Field(default=48.0, ge=0)
    # argon2id cost; the defaults follow pwdlib's recommendation. Tests lower them.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=1024)

    @model_validator(mode="after")
    def _claim_outlasts_a_send(self) -> "Settings":
        # A send still running when its claim ran out could be made again by another
        # worker: a message sent twice.
        if self.notification_claim_seconds <= self.smtp_timeout_seconds:
            raise ValueError(
                "UROSTER_NOTIFICATION_CLAIM_SECONDS must be longer than "
                "UROSTER_SMTP_TIMEOUT_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _claim_outlasts_a_webhook_call(self) -> "Settings":
        if self.notification_claim_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "UROSTER_NOTIFICATION_CLAIM_SECONDS must be longer than "
                "UROSTER_WEBHOOK_TIMEOUT_SECONDS"
            )
        return self


def public_url(settings: Settings) -> str:
    """The base of links the service hands out, without a trailing slash."""
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
