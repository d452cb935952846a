"""Django settings for Casusregie, read from environment variables only.

Every variable is declared with a help text (see `env.py`); `docs/configuration.md` is generated
from these declarations. Four environments exist:

- ``production`` (the default): a strong SECRET_KEY is required, DEBUG must be off, cookies are
  secure and HSTS is sent;
- ``demo``: synthetic data on SQLite with a generated key and a visible demo banner;
- ``development``: like demo, for working on the code;
- ``test``: what the test suite uses.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from .env import REQUIRED, ConfigurationError, Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env(os.environ)

ENVIRONMENT = env.choice(
    "CASUSREGIE_ENV",
    "production",
    ("production", "demo", "development", "test"),
    help="Omgeving: `production` (streng), `demo` (synthetische gegevens, demobanner), "
    "`development` of `test`.",
)
PRODUCTION = ENVIRONMENT == "production"
DEMO = ENVIRONMENT == "demo"

DATA_DIR = Path(
    env.text(
        "CASUSREGIE_DATA_DIR",
        "var",
        help="Map voor de SQLite-database en de gegenereerde demo-sleutel (relatief aan de "
        "werkmap).",
    )
).resolve()

# --- Security -------------------------------------------------------------------------------

env.group = "Beveiliging / Security"
_INSECURE_MARKERS = ("insecure", "changeme", "change-me", "secret", "demo", "test", "password")


def _secret_key() -> str:
    if PRODUCTION:
        key = env.text(
            "SECRET_KEY",
            REQUIRED,
            help="Geheime sleutel voor sessies en tokens. In productie verplicht: minstens 50 "
            "tekens, minstens 10 verschillende, zonder woorden als 'insecure' of 'secret'. "
            "Buiten productie wordt een sleutel gegenereerd in `CASUSREGIE_DATA_DIR`.",
        )
        lowered = key.lower()
        if (
            len(key) < 50
            or len(set(key)) < 10
            or any(marker in lowered for marker in _INSECURE_MARKERS)
        ):
            raise ConfigurationError(
                "SECRET_KEY",
                "deze sleutel is onveilig: gebruik minstens 50 willekeurige tekens, bijvoorbeeld "
                "uit `python3 -c 'import secrets; print(secrets.token_urlsafe(64))'`",
                "this key is insecure: use at least 50 random characters, for example from "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(64))'`",
            )
        return str(key)
    given = env.text("SECRET_KEY", help="(see above)")
    if given:
        return str(given)
    if ENVIRONMENT == "test":
        return "test-only-key-" + "x" * 40
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _fernet_keys() -> list[str]:
    keys = env.items(
        "CASUSREGIE_FIELD_KEYS",
        [],
        help="Sleutels (Fernet, 44 tekens base64) waarmee BSN's en bijzondere vrije tekst "
        "(zorgen, inbreng, besluiten, terugkoppeling) versleuteld worden opgeslagen, "
        "nieuwste eerst; oudere sleutels blijven ontsleutelen (rotatie). Maak er een met "
        "`python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`."
        " Verplicht in productie; elders afgeleid van SECRET_KEY.",
    )
    for key in keys:
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except ValueError:
            valid = False
        if not valid:
            raise ConfigurationError(
                "CASUSREGIE_FIELD_KEYS",
                "elke sleutel moet 32 bytes zijn, base64-gecodeerd (44 tekens)",
                "each key must be 32 bytes, base64-encoded (44 characters)",
            )
    if PRODUCTION and not keys:
        raise ConfigurationError(
            "CASUSREGIE_FIELD_KEYS",
            "in productie verplicht: de sleutel voor versleutelde BSN's",
            "required in production: the key for encrypted BSNs",
        )
    return keys


FIELD_KEYS = _fernet_keys()
HASH_KEY = env.text(
    "CASUSREGIE_HASH_KEY",
    "",
    help="Geheime sleutel voor het zoeken op BSN en het pseudonimiseren van betrokkenen in het "
    "verwerkingenlogboek (HMAC). Minstens 32 tekens; verplicht in productie; elders afgeleid van "
    "SECRET_KEY. Wijzigen maakt bestaande zoeksleutels ongeldig.",
)
if (HASH_KEY and len(HASH_KEY) < 32) or (PRODUCTION and not HASH_KEY):
    raise ConfigurationError(
        "CASUSREGIE_HASH_KEY",
        "gebruik minstens 32 willekeurige tekens (verplicht in productie)",
        "use at least 32 random characters (required in production)",
    )
LOG_CHAIN_KEY = env.text(
    "CASUSREGIE_LOG_CHAIN_KEY",
    "",
    help="Geheime sleutel (HMAC) van de hashketen over audittrail en verwerkingenlogboek; "
    "`casusregie verify-log` controleert de keten ermee. Minstens 32 tekens; verplicht in "
    "productie; elders afgeleid van SECRET_KEY. Bewaar hem apart van de database-back-up.",
)
if (LOG_CHAIN_KEY and len(LOG_CHAIN_KEY) < 32) or (PRODUCTION and not LOG_CHAIN_KEY):
    raise ConfigurationError(
        "CASUSREGIE_LOG_CHAIN_KEY",
        "gebruik minstens 32 willekeurige tekens (verplicht in productie)",
        "use at least 32 random characters (required in production)",
    )
LOG_SEAL_DIR = env.text(
    "CASUSREGIE_LOG_SEAL_DIR",
    "",
    help="Map waarin `run_schedule` elke dag een zegel van de logketens schrijft "
    "(`log-seal-JJJJ-MM-DD.json`: per keten het laatste volgnummer en de laatste hash, "
    "ondertekend met `CASUSREGIE_LOG_CHAIN_KEY`), en waar `casusregie seal-log` zonder `--out` "
    "schrijft. `casusregie verify-log --against MAP` ziet dan ook een verwijderde keten of "
    "verwijderde laatste regels. Kies opslag buiten de database die de databaseserver niet kan "
    "wijzigen, bijvoorbeeld bij de back-ups. Leeg: geen dagelijks zegel.",
)
DEBUG = env.flag(
    "DEBUG",
    False,
    help="Django-debugmodus met uitgebreide foutpagina's. Nooit in productie: dan weigert de "
    "applicatie te starten.",
)
if PRODUCTION and DEBUG:
    raise ConfigurationError(
        "DEBUG",
        "DEBUG=true is niet toegestaan in productie (CASUSREGIE_ENV=production)",
        "DEBUG=true is not allowed in production (CASUSREGIE_ENV=production)",
    )
ALLOWED_HOSTS = env.items(
    "ALLOWED_HOSTS",
    ["127.0.0.1", "localhost"],
    help="Hostnamen waarop de applicatie antwoordt, gescheiden door komma's.",
)
BASE_URL = env.text(
    "CASUSREGIE_BASE_URL",
    "http://127.0.0.1:8000",
    help="Adres waarop gebruikers de applicatie bereiken (zonder / aan het eind); gebruikt "
    "voor links in e-mails zoals uitnodigingen.",
).rstrip("/")
CSRF_TRUSTED_ORIGINS = env.items(
    "CSRF_TRUSTED_ORIGINS",
    [],
    help="Volledige origins (https://host) die formulieren mogen posten, als de applicatie "
    "achter een proxy op een andere host draait.",
)
REQUIRE_2FA = env.flag(
    "CASUSREGIE_REQUIRE_2FA",
    ENVIRONMENT != "demo",
    help="Tweestapsverificatie (TOTP) verplicht voor elke rol die persoonsgegevens kan zien. "
    "Alleen de demo zet dit standaard uit (met een zichtbare demobanner). Standaard: aan, "
    "behalve in de demo.",
)
if PRODUCTION and not REQUIRE_2FA:
    raise ConfigurationError(
        "CASUSREGIE_REQUIRE_2FA",
        "tweestapsverificatie mag in productie niet uit",
        "two-factor authentication cannot be switched off in production",
    )
SESSION_IDLE_MINUTES = env.integer(
    "CASUSREGIE_SESSION_IDLE_MINUTES",
    30,
    minimum=1,
    help="Na zoveel minuten zonder activiteit wordt een gebruiker uitgelogd.",
)
SESSION_COOKIE_AGE = (
    60
    * env.integer(
        "CASUSREGIE_SESSION_MAX_HOURS",
        10,
        minimum=1,
        help="Een sessie verloopt hoe dan ook na zoveel uur (een werkdag).",
    )
    * 60
)
LOGIN_FAILURE_LIMIT = env.integer(
    "CASUSREGIE_LOGIN_FAILURE_LIMIT",
    5,
    minimum=1,
    help="Na zoveel mislukte inlogpogingen op één account wordt het tijdelijk geblokkeerd.",
)
LOGIN_LOCKOUT_MINUTES = env.integer(
    "CASUSREGIE_LOGIN_LOCKOUT_MINUTES",
    15,
    minimum=1,
    help="Zo lang blijft een geblokkeerd account dicht.",
)
SECURE_HSTS_SECONDS = env.integer(
    "CASUSREGIE_HSTS_SECONDS",
    31536000 if PRODUCTION else 0,
    help="Max-age van de Strict-Transport-Security-header. Standaard een jaar in productie, "
    "0 (uit) elders.",
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_SSL_REDIRECT = env.flag(
    "CASUSREGIE_SSL_REDIRECT",
    False,
    help="Stuur http-verzoeken door naar https. Zet aan als er geen proxy is die dat doet.",
)
if env.flag(
    "CASUSREGIE_BEHIND_TLS_PROXY",
    False,
    help="De applicatie draait achter een proxy die TLS afhandelt en "
    "`X-Forwarded-Proto: https` meestuurt.",
):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
# The __Host- prefix (ASVS 3.4.4) makes a browser refuse the cookie unless it is Secure, has
# Path=/ and no Domain: no subdomain or plain-http page can plant or overwrite it. Only where
# the cookies are Secure (production); development over http keeps the plain names.
_COOKIE_PREFIX = "__Host-" if SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE else ""
SESSION_COOKIE_NAME = _COOKIE_PREFIX + "casusregie_session"
CSRF_COOKIE_NAME = _COOKIE_PREFIX + "casusregie_csrf"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}

# --- Webhooks and imports ---------------------------------------------------------------------

WEBHOOKS_ALLOW_LOCAL = env.flag(
    "CASUSREGIE_WEBHOOKS_ALLOW_LOCAL",
    DEMO,
    help="Webhooks ook naar http:// en naar lokale/privé-adressen sturen (standaard alleen in "
    "de demo, voor het voorbeeldprogramma in examples/). Nooit in productie: dan weigert de "
    "applicatie te starten (SSRF, docs/webhooks.md).",
)
if PRODUCTION and WEBHOOKS_ALLOW_LOCAL:
    raise ConfigurationError(
        "CASUSREGIE_WEBHOOKS_ALLOW_LOCAL",
        "lokale webhook-adressen zijn niet toegestaan in productie",
        "local webhook addresses are not allowed in production",
    )
WEBHOOKS_TIMEOUT = env.integer(
    "CASUSREGIE_WEBHOOKS_TIMEOUT",
    5,
    minimum=1,
    help="Seconden om te verbinden met een webhook-adres, en om op het antwoord te wachten.",
)
WEBHOOKS_PAUSE_AFTER_FAILURES = env.integer(
    "CASUSREGIE_WEBHOOKS_PAUSE_AFTER_FAILURES",
    5,
    minimum=1,
    help="Een webhook pauzeert na zoveel mislukte pogingen op rij ...",
)
WEBHOOKS_PAUSE_AFTER_HOURS = env.integer(
    "CASUSREGIE_WEBHOOKS_PAUSE_AFTER_HOURS",
    24,
    minimum=1,
    help="... die samen minstens zoveel uur beslaan.",
)
WEBHOOKS_HISTORY_DAYS = env.integer(
    "CASUSREGIE_WEBHOOKS_HISTORY_DAYS",
    30,
    minimum=1,
    help="Dagen dat de bezorggeschiedenis van webhooks bewaard blijft.",
)
IMPORTS_MAX_BYTES = (
    env.integer(
        "CASUSREGIE_IMPORTS_MAX_MB",
        20,
        minimum=1,
        help="Grootste importbestand in MB (de proxy moet iets meer doorlaten).",
    )
    * 1024
    * 1024
)
IMPORTS_KEEP_HOURS = env.integer(
    "CASUSREGIE_IMPORTS_KEEP_HOURS",
    24,
    minimum=1,
    help="Uren dat een geüpload importbestand hooguit bewaard blijft als het niet wordt verwerkt.",
)

# --- Heavy outcome reports (insights/background.py) ----------------------------------------------

INSIGHTS_REPORT_TASK_FROM = env.integer(
    "CASUSREGIE_INSIGHTS_REPORT_TASK_FROM",
    5000,
    minimum=1,
    help="Vanaf dit aantal casussen berekent een achtergrondtaak de uitkomstrapportage van een "
    "huis, met een voortgangsbalk; kleinere huizen krijgen hem direct.",
)
INSIGHTS_REPORT_CACHE_MINUTES = env.integer(
    "CASUSREGIE_INSIGHTS_REPORT_CACHE_MINUTES",
    15,
    minimum=1,
    help="Minuten dat een op de achtergrond berekende rapportage wordt hergebruikt voor dezelfde "
    "periode, filters en taal; daarna (of met 'opnieuw berekenen') wordt hij opnieuw berekend.",
)

# --- Learning between houses (network/exchange.py) ---------------------------------------------

NETWORK_EXCHANGE_KEY = env.text(
    "CASUSREGIE_NETWORK_EXCHANGE_KEY",
    "",
    help="Geheim waarmee dit huis zijn uitwisselbestand (kerncijfers en lessen) ondertekent; "
    "zonder dit geheim weigert `casusregie exchange-network export`.",
    shown="(leeg)",
)
NETWORK_EXCHANGE_KEYS = dict(
    item.split("=", 1)
    for item in env.items(
        "CASUSREGIE_NETWORK_EXCHANGE_KEYS",
        [],
        help="Huizen waarvan dit huis uitwisselbestanden aanneemt, als `slug=geheim`, gescheiden "
        "door komma's. Een bestand van een ander huis of met een andere handtekening wordt "
        "geweigerd.",
    )
    if "=" in item
)
NETWORK_EXCHANGE_SUPPRESS_BELOW = env.integer(
    "CASUSREGIE_NETWORK_EXCHANGE_SUPPRESS_BELOW",
    5,
    minimum=2,
    help="Aantallen van 1 tot dit getal worden in een uitwisselbestand niet getoond.",
)

# --- Concern signals (signals/, docs/signals.md) ------------------------------------------------

env.group = "Zorgsignalen / Concern signals"
SIGNALS_MIN_ORGANISATIONS = env.integer(
    "CASUSREGIE_SIGNALS_MIN_ORGANISATIONS",
    2,
    minimum=2,
    help="Samenloop: zoveel verschillende organisaties moeten binnen het venster een signaal "
    "over dezelfde persoon hebben afgegeven voordat de procesregisseur een melding krijgt.",
)
SIGNALS_WINDOW_DAYS = env.integer(
    "CASUSREGIE_SIGNALS_WINDOW_DAYS",
    90,
    minimum=1,
    help="Samenloop: het venster in dagen waarbinnen de signalen moeten vallen. Hoe lang een "
    "signaal bewaard blijft stelt elk huis zelf in (bewaartermijn zorgsignalen).",
)
SIGNALS_REGION_KEY = env.text(
    "CASUSREGIE_SIGNALS_REGION_KEY",
    "",
    help="Regionale sleutel (HMAC, minstens 32 tekens) die de deelnemende huizen van een regio "
    "delen om te vragen of iemand al een casus is, zonder het BSN uit te wisselen. Leeg: "
    "deze installatie doet niet mee aan de uitwisseling.",
    shown="(leeg)",
)
SIGNALS_EXCHANGE_SECRET = env.text(
    "CASUSREGIE_SIGNALS_EXCHANGE_SECRET",
    "",
    help="Gedeeld geheim (minstens 32 tekens) waarmee deelnemende installaties hun vragen en "
    "antwoorden over 'al een casus?' ondertekenen (HMAC-SHA256).",
    shown="(leeg)",
)
SIGNALS_EXCHANGE_PEERS = env.items(
    "CASUSREGIE_SIGNALS_EXCHANGE_PEERS",
    [],
    help="Adressen (https) van het uitwisselpunt van de andere deelnemende installaties, "
    "gescheiden door komma's, bijvoorbeeld "
    "`https://zvh-b.example.nl/uitwisseling/al-een-casus/`.",
)
SIGNALS_EXCHANGE_HOUSES = env.items(
    "CASUSREGIE_SIGNALS_EXCHANGE_HOUSES",
    [],
    help="Korte namen (slugs) van de huizen in deze installatie die meedoen aan de "
    "uitwisseling: zij vragen andere installaties en beantwoorden hun vragen.",
)
for _name, _value in (
    ("CASUSREGIE_SIGNALS_REGION_KEY", SIGNALS_REGION_KEY),
    ("CASUSREGIE_SIGNALS_EXCHANGE_SECRET", SIGNALS_EXCHANGE_SECRET),
):
    _weak = len(_value) < 32 or any(m in _value.lower() for m in _INSECURE_MARKERS)
    if (_value and len(_value) < 32) or (PRODUCTION and SIGNALS_EXCHANGE_HOUSES and _weak):
        raise ConfigurationError(
            _name,
            "gebruik minstens 32 willekeurige tekens (verplicht in productie als huizen meedoen "
            "aan de uitwisseling)",
            "use at least 32 random characters (required in production when houses take part "
            "in the exchange)",
        )

# --- Looking people up (privacy/lookups.py, decision 0039) -------------------------------------

env.group = "Personen opzoeken / Looking people up"
# "Already a case?" (page and API) and every search by BSN answer whether a person is known:
# unlimited, they are an oracle (issue 22). Counted per clock hour in the database, so the
# limits hold across gunicorn workers and servers.
LOOKUP_PERSON_PER_HOUR = env.integer(
    "CASUSREGIE_LOOKUP_PERSON_PER_HOUR",
    30,
    minimum=1,
    help="Zoveel keer per klokuur mag één persoon (of API-client) iemand opzoeken: 'al een "
    "casus?' (pagina en API) en zoeken op BSN samen, in alle huizen samen. Daarboven wordt "
    "niet opgezocht: de pagina zegt wanneer het weer kan, de API antwoordt 429 met "
    "Retry-After, en de privacyfunctionaris krijgt één signaal per persoon per dag.",
)
LOOKUP_ORGANISATION_PER_HOUR = env.integer(
    "CASUSREGIE_LOOKUP_ORGANISATION_PER_HOUR",
    200,
    minimum=1,
    help="Zoveel keer per klokuur mogen alle medewerkers (en API-clients) van één organisatie "
    "samen in één huis iemand opzoeken. Daarboven als bij het maximum per persoon; de "
    "privacyfunctionaris krijgt één signaal per organisatie per dag.",
)
LOOKUP_SIGNAL_PER_DAY = env.integer(
    "CASUSREGIE_LOOKUP_SIGNAL_PER_DAY",
    60,
    minimum=1,
    help="Wie op één dag vaker iemand opzoekt dan dit aantal, komt op de controlelijst van de "
    "privacyfunctionaris (één signaal per persoon per dag), ook zonder het uurmaximum te "
    "halen.",
)
if ENVIRONMENT == "test":
    # The suite looks people up many times as a handful of people; the tests of the limits
    # (signals/tests/test_lookup_limits.py) set their own small values.
    LOOKUP_PERSON_PER_HOUR = LOOKUP_ORGANISATION_PER_HOUR = LOOKUP_SIGNAL_PER_DAY = 100000

# --- Application ------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "casusregie.web",
    "casusregie.houses",
    "casusregie.accounts",
    "casusregie.privacy",
    "casusregie.cases",
    "casusregie.referrals",
    "casusregie.inbox",
    "casusregie.meetings",
    "casusregie.plans",
    "casusregie.journal",
    "casusregie.documents",
    "casusregie.work",
    "casusregie.api",
    "casusregie.integrations",
    "casusregie.webhooks",
    "casusregie.imports",
    "casusregie.insights",
    "casusregie.surveys",
    "casusregie.network",
    "casusregie.signals",
    "casusregie.aftercare",
    "casusregie.outbox",
    "casusregie.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "casusregie.web.middleware.LanguageMiddleware",
    "casusregie.privacy.log.ProcessingLogMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "casusregie.web.middleware.PrivateResponseMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "casusregie.accounts.middleware.IdleTimeoutMiddleware",
    "casusregie.web.middleware.OutOfRangeMiddleware",
    "casusregie.accounts.middleware.TwoFactorMiddleware",
    "casusregie.privacy.onboarding.OnboardingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casusregie.urls"
WSGI_APPLICATION = "casusregie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "casusregie.web.context.shell",
            ],
        },
    }
]

# Select boxes are written in Python, the rest of a form through the templates (web/rendering.py).
FORM_RENDERER = "casusregie.web.rendering.FormRenderer"

# --- Database ---------------------------------------------------------------------------------

env.group = "Database"
DATABASES = {
    "default": dj_database_url.parse(
        env.text(
            "DATABASE_URL",
            f"sqlite:///{DATA_DIR / 'casusregie.sqlite3'}",
            shown="sqlite:///<CASUSREGIE_DATA_DIR>/casusregie.sqlite3",
            help="Database als URL: `sqlite:///pad/naar/bestand.sqlite3` (ingebed, voor de demo) "
            "of `postgres://gebruiker:wachtwoord@host:5432/naam` (productie). Standaard: SQLite "
            "in `CASUSREGIE_DATA_DIR`.",
        ),
        conn_max_age=env.integer(
            "CASUSREGIE_DB_CONN_MAX_AGE",
            60,
            help="Seconden dat een databaseverbinding hergebruikt wordt (0 = per verzoek).",
        ),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; "
        "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pages run short queries whose cost estimate can still pass jit_above_cost on a large
    # house; PostgreSQL then spends hundreds of milliseconds compiling (435 of 512 ms on Mijn
    # werk at 1,000,000 cases, docs/performance.md). JIT helps analytics, not this workload.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on; does nothing unless CASUSREGIE_OIDC_* is configured (decision 0017).
    "casusregie.integrations.sso.SsoBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "casusregie.accounts.validators.LengthValidator",
        "OPTIONS": {"min_length": 12, "max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "casusregie.accounts.lockout.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["password"]
# Lock the account, not the address: partner staff reach the house from shared government
# networks behind one NAT address, so an IP lockout would lock out a whole police district
# (docs/decisions/0005-login-security.md).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "Casusregie"

# --- Single sign-on (OIDC) --------------------------------------------------------------------

env.group = "Inloggen via OIDC / Single sign-on"
OIDC_ISSUER = env.text(
    "CASUSREGIE_OIDC_ISSUER",
    "",
    help="Issuer van de OpenID Connect-provider van partnerorganisaties (de `iss` in zijn "
    "tokens). Leeg: geen single sign-on en geen OIDC-bearertokens op de API; de inlogpagina "
    "toont dan geen knop. Met issuer zijn client-id, geheim en de endpoints verplicht.",
).rstrip("/")
OIDC_ENABLED = bool(OIDC_ISSUER)
OIDC_RP_CLIENT_ID = env.text(
    "CASUSREGIE_OIDC_CLIENT_ID", "", help="Client-id van Casusregie bij de provider."
)
OIDC_RP_CLIENT_SECRET = env.text(
    "CASUSREGIE_OIDC_CLIENT_SECRET", "", help="Clientgeheim van Casusregie bij de provider."
)
OIDC_OP_AUTHORIZATION_ENDPOINT = env.text(
    "CASUSREGIE_OIDC_AUTHORIZATION_ENDPOINT",
    "",
    help="Authorization endpoint van de provider (uit zijn `.well-known/openid-configuration`).",
)
OIDC_OP_TOKEN_ENDPOINT = env.text(
    "CASUSREGIE_OIDC_TOKEN_ENDPOINT", "", help="Token endpoint van de provider."
)
OIDC_OP_USER_ENDPOINT = env.text(
    "CASUSREGIE_OIDC_USERINFO_ENDPOINT",
    "",
    help="Userinfo endpoint van de provider; controleert ook de bearertokens op de API.",
)
OIDC_OP_JWKS_ENDPOINT = env.text(
    "CASUSREGIE_OIDC_JWKS_ENDPOINT",
    "",
    help="JWKS endpoint van de provider: de sleutels waarmee ID-tokens worden gecontroleerd.",
)
OIDC_PROVIDER_NAME = env.text(
    "CASUSREGIE_OIDC_PROVIDER_NAME",
    "",
    help="Naam van de provider op de inlogknop ('Inloggen via …'). Leeg: 'uw organisatie'.",
)
OIDC_MFA_AMR = env.items(
    "CASUSREGIE_OIDC_MFA_AMR",
    ["mfa"],
    help="Waarden van de `amr`-claim (RFC 8176) waaruit blijkt dat de provider een tweede factor "
    "heeft gecontroleerd, gescheiden door komma's. Staat er een in het ID-token, dan vraagt "
    "Casusregie geen eigen TOTP-code meer; anders wel.",
)
if OIDC_ENABLED:
    _oidc_required = {
        "CASUSREGIE_OIDC_CLIENT_ID": OIDC_RP_CLIENT_ID,
        "CASUSREGIE_OIDC_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
        "CASUSREGIE_OIDC_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
        "CASUSREGIE_OIDC_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
        "CASUSREGIE_OIDC_USERINFO_ENDPOINT": OIDC_OP_USER_ENDPOINT,
        "CASUSREGIE_OIDC_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
    }
    for _name, _value in _oidc_required.items():
        if not _value:
            raise ConfigurationError(
                _name,
                "verplicht zodra CASUSREGIE_OIDC_ISSUER is gezet",
                "required when CASUSREGIE_OIDC_ISSUER is set",
            )
        if PRODUCTION and _name.endswith("ENDPOINT") and not _value.startswith("https://"):
            raise ConfigurationError(_name, "gebruik https in productie", "use https in production")
# mozilla-django-oidc: authorization code flow with PKCE and nonce, RS256 ID tokens checked
# against the JWKS; existing users only (no self-provisioning).
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
# Ask for `amr` in the ID token (OIDC Core 5.5): it says whether the provider checked a second
# factor. Providers that always send it, or do not know the parameter, ignore the request.
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"claims": '{"id_token": {"amr": null}}'}
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
OIDC_TIMEOUT = 10

# --- E-mail -----------------------------------------------------------------------------------

env.group = "E-mail"
EMAIL_HOST = env.text(
    "EMAIL_HOST",
    "",
    help="SMTP-server voor uitgaande mail (wachtwoordherstel, uitnodigingen). Leeg: mails "
    "worden naar de console geschreven (alleen buiten productie zinvol).",
)
EMAIL_PORT = env.integer("EMAIL_PORT", 587, help="Poort van de SMTP-server.")
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER", "", help="Gebruikersnaam voor de SMTP-server.")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD", "", help="Wachtwoord voor de SMTP-server.")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", True, help="STARTTLS gebruiken naar de SMTP-server.")
DEFAULT_FROM_EMAIL = env.text(
    "DEFAULT_FROM_EMAIL",
    "Casusregie <noreply@casusregie.invalid>",
    help="Afzender van mails die de applicatie verstuurt.",
)
# Every mail is first stored in the outbox, in the transaction of the action that sends it;
# delivery (right after the commit and at every `run_schedule` tick, with retries) goes
# through OUTBOX_DELIVERY_BACKEND (decision 0032, docs/deployment.md).
EMAIL_BACKEND = "casusregie.outbox.backend.OutboxBackend"
OUTBOX_DELIVERY_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_TIMEOUT = 10
OUTBOX_MAX_ATTEMPTS = env.integer(
    "CASUSREGIE_OUTBOX_MAX_ATTEMPTS",
    50,
    minimum=1,
    help="Zoveel bezorgpogingen krijgt een mail voordat hij als mislukt geldt en de functioneel "
    "beheerder hem ziet (bij Instellingen van het huis). Pogingen na 1, 5 en 15 minuten, "
    "daarna elk uur: 50 is ongeveer twee dagen.",
)
OUTBOX_KEEP_DAYS = env.integer(
    "CASUSREGIE_OUTBOX_KEEP_DAYS",
    30,
    minimum=1,
    help="Dagen dat verstuurde en mislukte mails in de uitgaande wachtrij bewaard blijven; "
    "daarna worden ze verwijderd (de tekst kan casusnummers noemen). Mails die nog wachten "
    "blijven staan.",
)

# --- Background work ------------------------------------------------------------------------

env.group = "Achtergrondwerk / Background work"
TASKS_INLINE = env.flag(
    "TASKS_INLINE",
    ENVIRONMENT != "production",
    help="Taken (herinneringen, escalaties, samenvattingen, e-mail) direct in het verzoek "
    "uitvoeren in plaats van via de wachtrij in de database. In productie uit: daar voert "
    "`casusregie db_worker` de wachtrij uit en roept cron of een systemd-timer elk kwartier "
    "`casusregie run_schedule` aan (docs/operations.md).",
)
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TASKS_INLINE
        else "django_tasks_db.DatabaseBackend"
    }
}

# --- Language and time ------------------------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

env.group = "Bestanden / Files"
STATIC_URL = "/static/"
_static_root = Path(
    env.text(
        "CASUSREGIE_STATIC_ROOT",
        str(DATA_DIR / "static"),
        shown="<CASUSREGIE_DATA_DIR>/static",
        help="Map waarin `casusregie serve` de statische bestanden verzamelt (alleen in "
        "productie; elders serveert de applicatie ze rechtstreeks uit de broncode).",
    )
)
# Outside production WhiteNoise serves straight from the app folders (WHITENOISE_USE_FINDERS).
STATIC_ROOT = _static_root if PRODUCTION else None
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Documents of cases and referrals (docs/documents.md, decision 0043): their bytes are encrypted
# with the field keys before they reach this storage, so a bucket or disk holds no plain text.
DOCUMENT_DIR = env.text(
    "CASUSREGIE_DOCUMENT_DIR",
    str(DATA_DIR / "documents"),
    shown="<CASUSREGIE_DATA_DIR>/documents",
    help="Map waarin de versleutelde documenten van casussen en meldingen staan (bij de "
    "standaardopslag op schijf). Neem haar op in de back-up, samen met de database.",
)
_document_backend = env.text(
    "CASUSREGIE_DOCUMENT_STORAGE",
    "django.core.files.storage.FileSystemStorage",
    help="Django-opslagklasse voor documenten. Voor S3-compatibele objectopslag: installeer "
    "`django-storages[s3]` en zet `storages.backends.s3.S3Storage` (zie docs/documents.md). "
    "De bestanden zijn al versleuteld voordat ze de opslag bereiken.",
)
_document_options = env.text(
    "CASUSREGIE_DOCUMENT_STORAGE_OPTIONS",
    "",
    help="Opties van die opslagklasse als JSON-object, bijvoorbeeld "
    '`{"bucket_name": "documenten", "endpoint_url": "https://s3.example.nl"}`. Leeg: de map '
    "`CASUSREGIE_DOCUMENT_DIR`. Toegangssleutels van S3 horen in de gewone "
    "`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`-variabelen, niet hier.",
)
try:
    _document_storage_options = (
        json.loads(_document_options) if _document_options.strip() else {"location": DOCUMENT_DIR}
    )
except ValueError:
    _document_storage_options = None
if not isinstance(_document_storage_options, dict):
    raise ConfigurationError(
        "CASUSREGIE_DOCUMENT_STORAGE_OPTIONS",
        'geef een JSON-object, bijvoorbeeld {"bucket_name": "documenten"}',
        'give a JSON object, for example {"bucket_name": "documents"}',
    )
STORAGES["documents"] = {"BACKEND": _document_backend, "OPTIONS": _document_storage_options}
DOCUMENT_MAX_MB = env.integer(
    "CASUSREGIE_DOCUMENT_MAX_MB",
    20,
    minimum=1,
    help="Grootste toegestane document in megabytes (MiB); een groter bestand wordt geweigerd "
    "voordat er iets wordt opgeslagen.",
)
CLAMD = env.text(
    "CASUSREGIE_CLAMD",
    "",
    help="Adres van de virusscanner ClamAV (`clamd`), bijvoorbeeld `tcp://127.0.0.1:3310` of "
    "`unix:///run/clamav/clamd.ctl`. Gezet: elk document wordt eerst gescand; een virus of een "
    "onbereikbare scanner betekent weigeren, nooit ongescand opslaan. Leeg: geen scan (de demo); "
    "de uploadpagina zegt dat.",
)
if CLAMD and not CLAMD.startswith(("tcp://", "unix://")):
    raise ConfigurationError(
        "CASUSREGIE_CLAMD",
        "gebruik tcp://host:poort of unix:///pad/naar/socket",
        "use tcp://host:port or unix:///path/to/socket",
    )

# --- Logging ----------------------------------------------------------------------------------

env.group = "Logging"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No query strings in the console (the demo's and runserver's request lines): they can hold
    # a searched name or BSN (casusregie.web.logfilter).
    "filters": {"no_query_strings": {"()": "casusregie.web.logfilter.NoQueryStrings"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_query_strings"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env.choice(
            "CASUSREGIE_LOG_LEVEL",
            "info",
            ("debug", "info", "warning", "error"),
            help="Niveau van de technische logregels (nooit persoonsgegevens).",
        ).upper(),
    },
    # axes and django-tasks log every login attempt and every task run at info: too chatty.
    "loggers": {
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # runserver's request lines (the demo): through the console handler and its filter,
        # not Django's own handler, which would print the query string.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

MESSAGE_TAGS = {10: "info", 20: "info", 25: "ok", 30: "warning", 40: "error"}

# --- REST API (/api/v1/) ----------------------------------------------------------------------

env.group = "REST API"
# Rate limits (ASVS 11.1.4), counted in the cache per API client and per person; a call over
# the limit answers 429 with Retry-After. The reliability load run lets 100 partner systems work
# through one API client (about 65 calls a second), so the client default stays well above that.
API_CLIENT_RATE = env.integer(
    "CASUSREGIE_API_CLIENT_RATE",
    6000,
    minimum=1,
    help="Zoveel API-verzoeken per minuut mag één API-client doen (alle tokens van de client "
    "samen); daarboven antwoordt de API 429 met Retry-After. De teller staat in de cache van "
    "elk werkproces, dus telt per gunicorn-worker.",
)
API_USER_RATE = env.integer(
    "CASUSREGIE_API_USER_RATE",
    600,
    minimum=1,
    help="Zoveel API-verzoeken per minuut mag één persoon doen (ingelogd of met een "
    "OIDC-toegangstoken); daarboven antwoordt de API 429 met Retry-After. Telt per "
    "gunicorn-worker.",
)

# Bearer tokens of API clients, OIDC access tokens of users, or the web login's session (with
# 2FA). Tokens answer only within their scopes (decision 0017). JSON only: the browsable API's
# templates use inline scripts that our CSP forbids. Errors are RFC 9457 problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casusregie.integrations.authentication.ApiTokenAuthentication",
        "casusregie.integrations.authentication.OidcBearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "casusregie.integrations.permissions.TokenLimits",
    ],
    "DEFAULT_RENDERER_CLASSES": ["casusregie.api.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["casusregie.api.throttling.CallerRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "client": f"{API_CLIENT_RATE}/minute",
        "user": f"{API_USER_RATE}/minute",
    },
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "casusregie.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "casusregie.api.schema.AutoSchema",
}
if ENVIRONMENT == "test":
    # The suite calls the API thousands of times as a handful of people whose ids the database
    # hands out again after each test; api/tests/test_limits.py sets its own low limits.
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"client": "100000/minute", "user": "100000/minute"}

# The OpenAPI document (docs/openapi.yaml, served at /api/v1/schema, shown at /api/v1/docs with
# Swagger UI served by ourselves). Decision 0020.
SPECTACULAR_SETTINGS = {
    "TITLE": "Casusregie API",
    "DESCRIPTION": (
        "REST API v1 of Casusregie, the information system of Zorg- en Veiligheidshuizen. "
        "The same actions, access policy and processing log as the pages. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "LICENSE": {"name": "EUPL-1.2", "url": "https://eupl.eu/1.2/en/"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Named enums where several choice sets share a field name (status, kind, answer).
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "casusregie.referrals.models.ReferralStatus",
        "ActionStatusEnum": "casusregie.plans.models.ActionStatus",
        "MeetingStatusEnum": "casusregie.meetings.models.MeetingStatus",
        "RequestStatusEnum": "casusregie.privacy.models.RequestStatus",
        "RequestKindEnum": "casusregie.privacy.models.RequestKind",
        "SubjectKindEnum": "casusregie.cases.models.SubjectKind",
        "AvailabilityAnswerEnum": "casusregie.meetings.models.Answer",
        "KnownToAnswerEnum": "casusregie.referrals.models.KnownToAnswer",
        "SubscriptionStatusEnum": "casusregie.webhooks.models.SubscriptionStatus",
        "DeliveryStatusEnum": "casusregie.webhooks.models.DeliveryStatus",
        "SignalCategoryEnum": "casusregie.signals.models.Category",
        "AlertStatusEnum": "casusregie.signals.models.AlertStatus",
        "JournalEntryKindEnum": "casusregie.journal.models.EntryKind",
        "DataCategoryEnum": "casusregie.privacy.models.DataCategory",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public validator service: the page talks to this server only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "DISABLE_ERRORS_AND_WARNINGS": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "casusregie.api.schema.forbid_unknown_fields",
    ],
}
