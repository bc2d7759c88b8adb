"""The A/B testing dashboard of ``ab_testing.py serve``: a Flask app with a page and a JSON API."""

from phase3_probability.ab_dashboard.app import create_app, make_server, serve

__all__ = ["create_app", "make_server", "serve"]
