"""After logging in from the nav, people land on the page they were on, not on a fixed page."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_nav_login_returns_to_the_page_it_was_pressed_on():
    get_user_model().objects.create_user("dev", password="a long passphrase 1")
    client = Client()
    page = client.get("/models/?sort=new").content.decode()
    assert 'href="/accounts/login/?next=/models/%3Fsort%3Dnew"' in page
    login = client.get("/accounts/login/?next=/models/%3Fsort%3Dnew").content.decode()
    assert 'name="next" value="/models/?sort=new"' in login
    done = client.post(
        "/accounts/login/", {"username": "dev", "password": "a long passphrase 1", "next": "/models/?sort=new"}
    )
    assert done.status_code == 302 and done["Location"] == "/models/?sort=new"


def test_the_login_page_links_to_itself_without_a_loop():
    page = Client().get("/accounts/login/").content.decode()
    assert 'href="/accounts/login/" id="nav-login"' in page


def test_sign_up_has_plain_help_and_each_error_beside_its_field():
    client = Client()
    page = client.get("/accounts/signup/").content.decode()
    assert "A few words in a row work well." in page and "<ul><li>Your password" not in page  # no rule list
    assert 'class="form-field"' in page and 'id="id_password1-help"' in page
    bad = client.post(
        "/accounts/signup/",
        {"username": "dev", "email": "dev@example.org", "password1": "password", "password2": "password"},
    )
    html = bad.content.decode()
    field = html[html.index('<label for="id_password2">') : html.index('id="id_password2-help"')]
    assert bad.status_code == 400 and "This password is too common." in field  # beside the field it is about
    login = client.get("/accounts/login/").content.decode()
    assert 'class="form-field"' in login and '<label for="id_username">' in login
