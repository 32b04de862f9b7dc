import datetime
import re
import time

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from apps.accounts import totp
from apps.accounts.models import Device, User
from meldeportal import settings as project_settings
from tests.personas import PASSWORD, SECRET, code_step, current_code, log_in, make_user, password_step

pytestmark = pytest.mark.django_db
BLOCKED = "Zugang gesperrt – bitte wenden Sie sich an die Vertrauensstelle"


def page(response: HttpResponse) -> str:
    return str(response.content.decode())


def error_summary(response) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page(response), re.S)
    return re.sub(r"\s+", " ", found.group(0)) if found else ""


def follow(client: Client, response):
    return client.get(response["Location"])


def test_the_login_page_uses_the_registrys_labels(client):
    html = page(client.get("/anmelden/"))
    assert '<label for="id_username">Benutzername' in html
    assert '<label for="id_password">Passwort' in html
    assert '<button type="submit">Login</button>' in html


def test_passwords_are_hashed_with_argon2_in_the_real_settings():
    assert project_settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def test_first_login_shows_the_qr_code_then_asks_to_log_in_again(client, praxis, clock):
    newcomer = make_user("n.neu", institution=praxis, enrolled=False)
    response = password_step(client, "n.neu")
    assert response["Location"] == "/anmelden/einrichten/"
    html = page(follow(client, response))
    device = Device.objects.get(user=newcomer)
    assert device.confirmed_at is None
    assert 'src="data:image/svg+xml;base64,' in html
    assert totp.base32_secret(device.secret) in html
    assert "Fotografieren Sie den QR-Code nicht" in html
    assert "mit mehreren Telefonen scannen" in html
    assert '<button type="submit">fertig</button>' in html

    response = client.post("/anmelden/einrichten/")
    assert response["Location"] == "/anmelden/"
    assert "erneut an" in page(follow(client, response))
    assert "_auth_user_id" not in client.session

    assert password_step(client, "n.neu")["Location"] == "/anmelden/code/"
    assert code_step(client, totp.code_at(device.secret, time.time())).status_code == 302
    assert client.session["_auth_user_id"] == str(newcomer.pk)
    device.refresh_from_db()
    assert device.confirmed_at is not None


def test_the_qr_code_carries_issuer_and_user_name():
    uri = totp.provisioning_uri(SECRET, "a.aerztin")
    assert uri.startswith("otpauth://totp/Meldeportal%3Aa.aerztin?")
    assert "issuer=Meldeportal" in uri
    assert "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in uri
    assert "algorithm=SHA1&digits=6&period=30" in uri


def test_the_enrolment_code_cannot_be_replayed(client, praxis, clock):
    make_user("n.neu", institution=praxis, enrolled=False)
    password_step(client, "n.neu")
    client.post("/anmelden/einrichten/")
    secret = Device.objects.get(user__username="n.neu").secret
    enrolment_code = totp.code_at(secret, time.time())
    password_step(client, "n.neu")
    code_step(client, enrolment_code)
    client.post("/abmelden/")

    password_step(client, "n.neu")
    response = code_step(client, enrolment_code)
    assert response.status_code == 200
    assert "Uhrzeit auf Ihrem Telefon" in page(response)
    assert "_auth_user_id" not in client.session


def test_a_regular_login_takes_password_then_code(client, physician, clock):
    response = password_step(client, physician.username)
    assert response["Location"] == "/anmelden/code/"
    html = page(follow(client, response))
    assert '<label for="id_code">OTP-Code' in html
    assert '<button type="submit">fertig</button>' in html
    assert code_step(client, current_code())["Location"] == "/"
    assert client.session["_auth_user_id"] == str(physician.pk)


def test_a_wrong_code_tells_the_user_to_check_the_phone_clock(client, physician, clock):
    password_step(client, physician.username)
    response = code_step(client, "000000" if current_code() != "000000" else "111111")
    assert "Uhrzeit auf Ihrem Telefon" in page(response)
    assert "_auth_user_id" not in client.session


def test_codes_one_step_off_are_accepted_two_steps_off_are_not(clock):
    now = time.time()
    for offset, accepted in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        code = totp.code_at(SECRET, now + offset)
        assert (totp.matching_step(SECRET, code, -1, now) is not None) is accepted, offset


def test_a_code_is_accepted_once_across_sessions(physician, clock):
    first, second = Client(), Client()
    code = current_code()
    password_step(first, physician.username)
    password_step(second, physician.username)
    assert code_step(first, code).status_code == 302
    assert code_step(second, code).status_code == 200
    assert "_auth_user_id" not in second.session


@pytest.mark.parametrize("typed", ["123 456", " 123456 ", "12 34 56"])
def test_spaces_in_the_code_are_fine(typed):
    assert totp.normalise_code(typed) == "123456"


@pytest.mark.parametrize(
    "typed", ["12345", "1234567", "0123456", "+123456", "١٢٣٤٥٦", "１２３４５６", "12345a", "", "12\x0034"]
)
def test_anything_but_six_ascii_digits_is_refused_without_counting(client, physician, clock, typed):
    password_step(client, physician.username)
    response = code_step(client, typed)
    assert response.status_code == 200
    assert "6 Ziffern" in page(response) or "6-stelligen" in page(response)
    physician.refresh_from_db()
    assert physician.otp_failures == 0


def test_the_otp_secret_is_stored_encrypted(physician):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_device WHERE user_id = %s", [physician.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:dev1:")
    assert SECRET not in stored
    assert Device.objects.get(user=physician).secret == SECRET


def test_the_session_id_changes_at_each_login_step(client, physician, clock):
    client.cookies["sessionid"] = "vom-angreifer-gesetzt"  # session fixation attempt
    password_step(client, physician.username)
    half = client.cookies["sessionid"].value
    code_step(client, current_code())
    assert len({"vom-angreifer-gesetzt", half, client.cookies["sessionid"].value}) == 3


def test_a_half_login_expires_after_five_minutes(client, physician, clock):
    password_step(client, physician.username)
    clock.shift(datetime.timedelta(minutes=5, seconds=1))
    response = code_step(client, current_code())
    assert response["Location"] == "/anmelden/"
    assert "zu lange gedauert" in page(follow(client, response))
    assert "_auth_user_id" not in client.session


def test_the_code_step_without_the_password_step_goes_to_the_login(client, physician, clock):
    response = code_step(client, current_code())
    assert response["Location"] == "/anmelden/"
    assert client.get("/anmelden/einrichten/")["Location"] == "/anmelden/"
    physician.refresh_from_db()
    assert physician.otp_failures == 0


def test_three_wrong_passwords_lock_the_name_for_one_minute(client, physician, clock):
    for _ in range(2):
        assert password_step(client, physician.username, "falsch").status_code == 200
    response = password_step(client, physician.username, "falsch")
    assert response.status_code == 429
    assert "in 60 Sekunden erneut" in page(response)

    clock.shift(datetime.timedelta(seconds=20))
    response = password_step(client, physician.username)
    assert response.status_code == 429
    assert "in 40 Sekunden erneut" in page(response)

    clock.shift(datetime.timedelta(seconds=41))
    assert password_step(client, physician.username)["Location"] == "/anmelden/code/"


def test_the_lock_counts_the_name_in_every_spelling(client, physician, clock):
    for spelling in ("A.Aerztin", " a.aerztin ", "Ａ.ＡＥＲＺＴＩＮ"):
        password_step(client, spelling, "falsch")
    assert password_step(client, physician.username).status_code == 429


def test_the_lock_is_per_name_not_per_address(physician, colleague, clock):
    shared_nat = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        password_step(shared_nat, physician.username, "falsch")
    assert password_step(shared_nat, colleague.username)["Location"] == "/anmelden/code/"


def test_unknown_names_get_the_same_answers_as_known_ones(client, physician, clock):
    known = [password_step(client, physician.username, "falsch") for _ in range(3)]
    unknown = [password_step(client, "gibt.es.nicht", "falsch") for _ in range(3)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200, 200, 429]
    assert [error_summary(r) for r in known] == [error_summary(r) for r in unknown]


def test_fifty_wrong_passwords_in_a_row_need_the_vertrauensstelle(client, physician, clock):
    for attempt in range(1, 51):
        password_step(client, physician.username, "falsch")
        if attempt % 3 == 0:
            clock.shift(datetime.timedelta(seconds=61))
    clock.shift(datetime.timedelta(hours=1))
    response = password_step(client, physician.username)
    assert response.status_code == 403
    assert BLOCKED in page(response)


def test_a_correct_password_resets_the_count_of_wrong_ones(client, physician, clock):
    for _ in range(2):
        password_step(client, physician.username, "falsch")
    password_step(client, physician.username)
    for _ in range(2):
        assert password_step(client, physician.username, "falsch").status_code == 200


def wrong_code() -> str:
    return f"{(int(current_code()) + 500_000) % 1_000_000:06d}"


def test_ten_wrong_codes_lock_the_account_until_the_vertrauensstelle_unlocks(client, physician, clock):
    password_step(client, physician.username)
    for _ in range(9):
        assert code_step(client, wrong_code()).status_code == 200
    response = code_step(client, wrong_code())
    assert response["Location"] == "/anmelden/"
    assert BLOCKED in page(follow(client, response))

    clock.shift(datetime.timedelta(days=1))
    response = password_step(client, physician.username)
    assert response.status_code == 403
    assert BLOCKED in page(response)
    physician.refresh_from_db()
    assert physician.otp_locked_at is not None


def test_wrong_codes_count_across_sessions_until_a_login_succeeds(physician, clock):
    for _ in range(2):
        session = Client()
        password_step(session, physician.username)
        for _ in range(4):
            code_step(session, wrong_code())
    physician.refresh_from_db()
    assert physician.otp_failures == 8
    log_in(Client(), physician)
    physician.refresh_from_db()
    assert physician.otp_failures == 0


def test_a_lock_ends_the_sessions_the_account_already_has(physician, clock):
    logged_in = Client()
    log_in(logged_in, physician)
    attacker = Client()
    password_step(attacker, physician.username)
    for _ in range(10):
        code_step(attacker, wrong_code())
    assert logged_in.get("/konto/")["Location"].startswith("/anmelden/")


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("", ""),
        ("a.aerztin", ""),
        ("", PASSWORD),
        ("x" * 10_000, PASSWORD),
        ("a.aer\x00ztin", PASSWORD),
        ("a.aerztin", "p" * 1_000_000),
        ("a.aerztin", "pass\x00wort"),
        ("<script>alert(1)</script>", "x"),
    ],
)
def test_bad_login_input_gets_a_clear_answer(client, physician, username, password):
    response = password_step(client, username, password)
    assert response.status_code == 200
    html = page(response)
    assert "Bitte prüfen Sie Ihre Eingaben" in html
    assert "<script>alert(1)</script>" not in html
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "///evil.example",
        "http://testserver@evil.example",
        "\x00/konto/",
    ],
)
def test_login_never_redirects_to_another_site(client, physician, clock, target):
    password_step(client, physician.username, next=target)
    response = code_step(client, current_code())
    assert response["Location"] == "/"


def test_login_returns_to_the_page_the_user_wanted(client, physician, clock):
    assert client.get("/konto/")["Location"] == "/anmelden/?next=/konto/"
    password_step(client, physician.username, next="/konto/")
    assert code_step(client, current_code())["Location"] == "/konto/"


def test_after_logout_the_old_cookie_opens_nothing(client, physician, clock):
    log_in(client, physician)
    old_cookie = client.cookies["sessionid"].value
    client.post("/abmelden/")
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    assert replay.get("/konto/")["Location"].startswith("/anmelden/")


def test_a_session_ends_after_thirty_idle_minutes(client, physician, clock):
    log_in(client, physician)
    clock.shift(datetime.timedelta(minutes=29))
    assert client.get("/konto/").status_code == 200
    clock.shift(datetime.timedelta(minutes=31))
    assert client.get("/konto/")["Location"].startswith("/anmelden/")


def test_a_session_ends_twelve_hours_after_login_however_busy(client, physician, clock):
    log_in(client, physician)
    for _ in range(12 * 3 - 1):
        clock.shift(datetime.timedelta(minutes=20))
        assert client.get("/konto/").status_code == 200
    clock.shift(datetime.timedelta(minutes=21))
    response = client.get("/konto/")
    assert response["Location"] == "/anmelden/"
    assert "nach 12 Stunden abgelaufen" in page(follow(client, response))


def test_a_deactivated_user_cannot_log_in(client, physician):
    User.objects.filter(pk=physician.pk).update(is_active=False)
    response = password_step(client, physician.username)
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch" in page(response)
