"""The URL builders the tests' apps share (tests/support/route_builders.py) are, for
every rule of the site, the code werkzeug compiles for that rule."""

from __future__ import annotations

from flask import Flask, url_for
from werkzeug.routing.rules import Rule

from tests.support import route_builders


def test_the_shared_builders_are_on(app: Flask):
    assert Rule._compile_builder is route_builders._shared_builder


def test_every_rules_shared_builder_is_the_one_werkzeug_compiles_for_it(app: Flask):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 200
    for rule in rules:
        for append_unknown, bound in ((False, rule._build), (True, rule._build_unknown)):
            own = route_builders.compile_builder(rule, append_unknown).__code__
            shared = bound.__func__.__code__
            assert shared.co_code == own.co_code, rule.rule
            assert shared.co_consts == own.co_consts, rule.rule
            assert shared.co_varnames == own.co_varnames, rule.rule
            assert bound.__self__ is rule


def test_urls_are_built_with_each_apps_own_rules(app: Flask):
    with app.test_request_context():
        assert url_for("social.profile", username="ann") == "/u/ann"
        assert url_for("social.profile", username="ann", cursor="x1") == "/u/ann?cursor=x1"
        assert url_for("static", filename="css/tandem.css").startswith("/static/css/")
