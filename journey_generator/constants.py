"""Fixed vocabularies of the simulated SaaS business and of the tools it exports from.

Everything a reader might want to tune (shares, prices, label spellings) lives here so the
simulation modules stay about behaviour, not about literals.
"""

from __future__ import annotations

DAY = 86_400
HOUR = 3_600
MINUTE = 60

#: Accounts are simulated and written in chunks of this many. It is part of the output's
#: identity: a different chunk size would draw different random numbers, so it is fixed.
CHUNK_ACCOUNTS = 4_000

# --- CRM (HubSpot) ------------------------------------------------------------------------
LIFECYCLE_STAGES = [
    "Subscriber",
    "Lead",
    "Marketing Qualified Lead",
    "Sales Qualified Lead",
    "Opportunity",
    "Customer",
    "Evangelist",
    "Other",
]
SUBSCRIBER, LEAD, MQL, SQL, OPPORTUNITY, CUSTOMER, EVANGELIST, OTHER = range(8)

DEAL_STAGES = [
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",  # the demo stage
    "Decision Maker Bought-In",
    "Contract Sent",
    "Closed Won",
    "Closed Lost",
]
APPOINTMENT, QUALIFIED, PRESENTATION, DECISION, CONTRACT, WON, LOST = range(7)

CLOSED_LOST_REASONS = ["Timing", "Budget", "Chose competitor", "No decision", "Missing feature"]
CLOSED_LOST_WEIGHTS = [0.25, 0.22, 0.20, 0.23, 0.10]

ORIGINAL_SOURCES = [
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    "PAID_SOCIAL",
]
REFERRALS_SOURCE = ORIGINAL_SOURCES.index("REFERRALS")

INDUSTRIES = [
    "Computer Software",
    "Information Technology and Services",
    "Marketing and Advertising",
    "Financial Services",
    "Hospital & Health Care",
    "Retail",
    "E-Learning",
    "Logistics and Supply Chain",
    "Real Estate",
    "Management Consulting",
    "Internet",
    "Consumer Goods",
]

# --- Segments and journey paths ---------------------------------------------------------
SEGMENTS = ["individual", "smb", "mid_market", "enterprise"]
INDIVIDUAL, SMB, MID_MARKET, ENTERPRISE = range(4)
SEGMENT_SHARES = [0.12, 0.50, 0.28, 0.10]

PATHS = ["free_trial", "demo", "sales_led", "referral", "self_serve"]
FREE_TRIAL, DEMO, SALES_LED, REFERRAL, SELF_SERVE = range(5)
#: Journey path shares by segment (rows: segment, columns: PATHS).
PATH_SHARES_BY_SEGMENT = [
    [0.55, 0.05, 0.00, 0.10, 0.30],
    [0.45, 0.18, 0.07, 0.10, 0.20],
    [0.30, 0.28, 0.20, 0.10, 0.12],
    [0.08, 0.22, 0.55, 0.10, 0.05],
]
#: Probability that an account of this path eventually buys (before the export cut-off).
CONVERSION_BY_PATH = [0.27, 0.40, 0.36, 0.50, 0.20]
CONVERSION_SEGMENT_FACTOR = [0.75, 1.0, 1.05, 0.95]

# --- Geography: (HubSpot Country/Region, code, script, currency, share of US-style dates, weight)
COUNTRIES = [
    ("United States", "US", "latin", "usd", 0.62, 0.36),
    ("Canada", "CA", "latin", "usd", 0.55, 0.04),
    ("United Kingdom", "GB", "latin", "gbp", 0.10, 0.08),
    ("Germany", "DE", "latin", "eur", 0.05, 0.07),
    ("France", "FR", "latin", "eur", 0.05, 0.06),
    ("Spain", "ES", "latin", "eur", 0.05, 0.03),
    ("Italy", "IT", "latin", "eur", 0.05, 0.02),
    ("Brazil", "BR", "latin", "usd", 0.10, 0.03),
    ("Mexico", "MX", "latin", "usd", 0.20, 0.02),
    ("Australia", "AU", "latin", "usd", 0.15, 0.03),
    ("South Korea", "KR", "ko", "usd", 0.10, 0.09),
    ("Thailand", "TH", "th", "usd", 0.10, 0.05),
    ("China", "CN", "zh", "usd", 0.05, 0.06),
    ("Taiwan", "TW", "zh", "usd", 0.10, 0.03),
    ("Singapore", "SG", "latin", "usd", 0.20, 0.03),
]
#: Hours ahead of UTC of each country's business day (people act in office hours, local time).
UTC_OFFSET_HOURS = {
    "US": -5,
    "CA": -5,
    "GB": 0,
    "DE": 1,
    "FR": 1,
    "ES": 1,
    "IT": 1,
    "BR": -3,
    "MX": -6,
    "AU": 10,
    "KR": 9,
    "TH": 7,
    "CN": 8,
    "TW": 8,
    "SG": 8,
}
SCRIPTS = ["latin", "ko", "th", "zh"]
TLDS = {
    "US": ["com", "io", "co"],
    "CA": ["ca", "com"],
    "GB": ["co.uk", "com"],
    "DE": ["de", "com"],
    "FR": ["fr", "com"],
    "ES": ["es", "com"],
    "IT": ["it", "com"],
    "BR": ["com.br"],
    "MX": ["mx", "com.mx"],
    "AU": ["com.au"],
    "KR": ["co.kr", "kr", "com"],
    "TH": ["co.th", "com"],
    "CN": ["cn", "com.cn"],
    "TW": ["com.tw", "tw"],
    "SG": ["sg", "com.sg"],
}
LATIN_COMPANY_SUFFIX = {
    "US": ["Inc.", "LLC", "Labs", "Software", "Analytics", "Co."],
    "CA": ["Inc.", "Ltd.", "Labs"],
    "GB": ["Ltd", "Group", "Labs"],
    "DE": ["GmbH", "AG", "GmbH & Co. KG"],
    "FR": ["SAS", "SARL", "Studio"],
    "ES": ["S.L.", "S.A."],
    "IT": ["S.r.l.", "S.p.A."],
    "BR": ["Ltda.", "S.A."],
    "MX": ["S.A. de C.V.", "Digital"],
    "AU": ["Pty Ltd", "Labs"],
    "SG": ["Pte. Ltd.", "Labs"],
}

# --- Billing (Stripe) -------------------------------------------------------------------
CURRENCIES = ["usd", "eur", "gbp"]
TIERS = ["starter", "growth", "pro", "enterprise"]
#: Per-seat monthly list price in the currency's minor unit (rows: currency, columns: tier).
SEAT_PRICE = [
    [1200, 2900, 5900, 9900],
    [1100, 2700, 5500, 9200],
    [1000, 2300, 4900, 7900],
]
#: Flat monthly price of the SSO add-on item, per currency.
ADDON_PRICE = [5000, 4600, 4000]
#: Tier shares by segment (rows: segment, columns: TIERS).
TIER_SHARES_BY_SEGMENT = [
    [0.75, 0.25, 0.00, 0.00],
    [0.35, 0.50, 0.15, 0.00],
    [0.00, 0.35, 0.50, 0.15],
    [0.00, 0.00, 0.35, 0.65],
]
# Billing intervals: (Stripe interval, interval_count, label used in price ids, months per period)
INTERVALS = [
    ("month", 1, "monthly", 1.0),
    ("year", 1, "annual", 12.0),
    ("month", 3, "quarterly", 3.0),
    ("week", 1, "weekly", 12.0 / 52.0),
]
MONTHLY, ANNUAL, QUARTERLY, WEEKLY = range(4)
#: Interval shares by segment (rows: segment, columns: INTERVALS).
INTERVAL_SHARES_BY_SEGMENT = [
    [0.70, 0.20, 0.03, 0.07],
    [0.69, 0.24, 0.04, 0.03],
    [0.66, 0.29, 0.05, 0.00],
    [0.35, 0.60, 0.05, 0.00],
]
#: Monthly churn hazard by segment before health/activation multipliers.
CHURN_HAZARD_BY_SEGMENT = [0.060, 0.035, 0.018, 0.010]
CANCELLATION_FEEDBACK = [
    "too_expensive",
    "missing_features",
    "switched_service",
    "unused",
    "customer_service",
    "too_complex",
    "low_quality",
    "other",
]
COUPONS = ["", "WELCOME20", "LOYAL10", "HALFOFF1"]
COUPON_PERCENT = [0, 20, 10, 50]

# --- Support (Zendesk) ------------------------------------------------------------------
TICKET_CHANNELS = ["email", "web", "chat", "api", "voice"]
TICKET_CHANNEL_WEIGHTS = [0.45, 0.30, 0.15, 0.05, 0.05]
CSV_VIA = ["Mail", "Web Form", "Chat", "API", "Phone call (incoming)"]
PRIORITIES = ["low", "normal", "high", "urgent"]
SUPPORT_GROUPS = [
    (360_000_101_001, "Support"),
    (360_000_101_002, "Billing"),
    (360_000_101_003, "Onboarding"),
    (360_000_101_004, "Technical"),
]

# --- Product (Segment) ------------------------------------------------------------------
FEATURES = [
    "dashboards",
    "reports",
    "integrations",
    "automation",
    "api",
    "alerts",
    "journey_map",
    "exports",
    "sso_settings",
    "segments",
]
MARKETING_PATHS = [
    "/",
    "/pricing",
    "/features",
    "/customers",
    "/integrations",
    "/demo",
    "/blog/customer-journey-mapping",
    "/blog/reduce-churn",
    "/blog/nps-benchmarks",
    "/blog/saas-metrics-101",
    "/blog/onboarding-checklist",
    "/security",
]
