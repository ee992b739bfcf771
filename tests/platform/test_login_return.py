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
