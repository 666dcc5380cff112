"""Receivers must be public: literal private addresses and local names are refused when a rule
is saved, and a name is refused at send time when it resolves to a private address."""

import socket

import pytest

from data.notifications.hosts import RefusedHost, check_resolved, check_saved

PRIVATE = [
    "http://127.0.0.1/x",
    "http://10.0.0.5/",
    "http://172.16.3.4:8080/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://localhost:8000/",
    "http://api.localhost/",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_private_and_local_hosts_are_refused_unless_allowed(url):
    with pytest.raises(RefusedHost):
        check_saved(url, allow_private=False)
    check_saved(url, allow_private=True)


def test_public_addresses_pass_when_saved():
    check_saved("https://93.184.216.34/hook", allow_private=False)
    check_saved("https://crm.example.ru/hook", allow_private=False)  # checked again at send


def test_a_name_resolving_to_a_private_address_is_refused_at_send_time(monkeypatch):
    answers = {"crm.example.ru": "10.20.30.40", "public.example.ru": "93.184.216.34"}

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    check_saved("http://crm.example.ru/", allow_private=False)  # a name passes when saved
    with pytest.raises(RefusedHost, match=r"resolves to the private address 10\.20\.30\.40"):
        check_resolved("http://crm.example.ru/", allow_private=False)
    check_resolved("http://public.example.ru/", allow_private=False)
    check_resolved("http://crm.example.ru/", allow_private=True)
