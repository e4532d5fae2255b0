"""Unit tests of the plugin's pure logic (no QGIS needed):

    cd integrations/qgis && python3 -m unittest discover -s tests -v
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tokendesk import core  # noqa: E402

NOW = 1_800_000_000_000  # epoch ms


class StatusParsing(unittest.TestCase):
    def test_the_profiles_of_status_json_come_with_their_state_user_and_expiry(self):
        text = json.dumps(
            {
                "profiles": [
                    {
                        "name": "work",
                        "state": "valid",
                        "user": "analyst",
                        "access_expires_at": "2026-12-03T15:53:09Z",
                        "refresh_expires_at": None,
                        "last_refresh_at": None,
                        "message": None,
                        "referer": None,
                    },
                    {"name": "other", "state": "needs_sign_in", "message": "Run `tokendesk login other` to sign in again."},
                ]
            }
        )
        work, other = core.parse_status(text)
        self.assertEqual(work["name"], "work")
        self.assertEqual(work["state"], "valid")
        self.assertEqual(work["access_expires_ms"], 1796313189000)
        self.assertEqual(other["access_expires_ms"], None)
        self.assertIn("tokendesk login other", other["message"])

    def test_status_of_one_profile_is_a_single_object(self):
        (one,) = core.parse_status('{"name": "a", "state": "signed_out"}')
        self.assertEqual(one["name"], "a")

    def test_anything_but_status_json_is_refused_in_words(self):
        for text in ["", "not json", "[]", '{"profiles": 3}', '{"profiles": [{}]}']:
            with self.assertRaises(core.CliOutputError):
                core.parse_status(text)

    def test_rfc3339_times_with_fractions_and_offsets_become_epoch_milliseconds(self):
        self.assertEqual(core.rfc3339_ms("1970-01-01T00:00:01.250Z"), 1250)
        self.assertEqual(core.rfc3339_ms("1970-01-01T01:00:00+01:00"), 0)
        self.assertIsNone(core.rfc3339_ms("yesterday"))
        self.assertIsNone(core.rfc3339_ms(None))


class TokenParsing(unittest.TestCase):
    def handout(self, **fields):
        value = {
            "profile": "work",
            "token": "SECRET-TOKEN-VALUE",
            "expires": "x",
            "expires_ms": NOW + 60_000,
            "header": {"name": "Authorization", "value": "Bearer SECRET-TOKEN-VALUE"},
            "referer": None,
            "site": "https://gis.example.com/portal",
            "url": None,
            "user": "analyst",
            "kind": "user",
        }
        value.update(fields)
        return json.dumps(value)

    def test_a_token_answer_gives_the_token_its_expiry_and_referer(self):
        handout = core.parse_token(self.handout(referer="tokendesk"))
        self.assertEqual(handout["token"], "SECRET-TOKEN-VALUE")
        self.assertEqual(handout["expires_ms"], NOW + 60_000)
        self.assertEqual(handout["referer"], "tokendesk")

    def test_a_public_service_needs_no_token(self):
        handout = core.parse_token(self.handout(token=None, expires_ms=None, kind="none"))
        self.assertIsNone(handout["token"])
        self.assertEqual(handout["kind"], "none")

    def test_a_broken_answer_is_refused_without_quoting_the_token(self):
        for text in ["SECRET-TOKEN-VALUE garbage", self.handout(token=""), self.handout(expires_ms=None)]:
            with self.assertRaises(core.CliOutputError) as caught:
                core.parse_token(text)
            self.assertNotIn("SECRET-TOKEN-VALUE", str(caught.exception))


class Renewal(unittest.TestCase):
    def test_a_30_second_token_is_asked_for_again_a_few_seconds_before_it_expires(self):
        delay = core.renewal_delay_ms(NOW + 30_000, NOW)
        self.assertEqual(delay, 25_000)
        # ...later than TokenDesk's own margin (a fifth of the life: 6 s), so it renews.
        self.assertLess(30_000 - delay, 6_000)

    def test_a_token_is_asked_for_a_sixth_of_its_life_ahead_and_looked_at_every_ten_minutes(self):
        self.assertEqual(core.renewal_delay_ms(NOW + 600_000, NOW), 600_000 - 100_000)
        self.assertEqual(core.renewal_delay_ms(NOW + 660_000, NOW), 660_000 - 110_000)
        self.assertEqual(core.renewal_delay_ms(NOW + 3_600_000, NOW), core.RENEW_MAX_DELAY_MS)

    def test_the_same_token_again_means_asking_again_after_a_quarter_of_what_is_left(self):
        self.assertEqual(core.renewal_delay_ms(NOW + 8_000, NOW, NOW + 8_000), 2_000)

    def test_an_expired_or_nearly_expired_token_is_asked_for_within_a_second(self):
        self.assertEqual(core.renewal_delay_ms(NOW - 5, NOW), core.RENEW_MIN_DELAY_MS)
        self.assertEqual(core.renewal_delay_ms(NOW + 500, NOW), core.RENEW_MIN_DELAY_MS)

    def test_failures_back_off_from_5_seconds_to_2_minutes(self):
        self.assertEqual([core.retry_delay_ms(n) for n in (1, 2, 3, 5, 50)], [5000, 10000, 20000, 80000, 120000])


class Words(unittest.TestCase):
    def test_countdowns_read_like_the_desktop_apps(self):
        self.assertEqual(core.countdown(NOW + 1_453_000, NOW), "24:13")
        self.assertEqual(core.countdown(NOW + (3 * 3600 + 12 * 60) * 1000, NOW), "3 h 12 m")
        self.assertEqual(core.countdown(NOW + 14 * 86400 * 1000, NOW), "14 d")
        self.assertEqual(core.countdown(NOW - 1, NOW), "expired")

    def test_a_profile_line_says_state_user_countdown_and_sharing(self):
        profile = {"name": "work", "state": "valid", "user": "analyst", "access_expires_ms": NOW + 65_000}
        self.assertEqual(core.profile_label(profile, NOW, True), "work — signed in, analyst, 1:05  (shared with QGIS)")
        signed_out = {"name": "old", "state": "signed_out", "user": None, "access_expires_ms": None}
        self.assertEqual(core.profile_label(signed_out, NOW, False), "old — signed out")

    def test_tokendesks_own_message_is_the_error_shown_and_notes_and_warnings_are_not(self):
        stderr = (
            "tokendesk: warning: the token only works with its Referer\n"
            "tokendesk: a server token for https://x/server, just issued\n"
            "tokendesk: profile `x` is not signed in (no session in the keyring). Run `tokendesk login x` to sign in again.\n"
        )
        self.assertEqual(
            core.cli_error(stderr, 3, "x"),
            "Profile `x` is not signed in (no session in the keyring). Run `tokendesk login x` to sign in again.",
        )

    def test_without_a_message_the_exit_code_gives_the_remedy(self):
        self.assertIn("tokendesk login work", core.cli_error("", 3, "work"))
        self.assertIn("network", core.cli_error("", 4))
        self.assertIn("tokendesk status", core.cli_error("", 1))

    def test_not_found_names_the_path_or_the_settings(self):
        self.assertIn("not on PATH", core.not_found_message())
        self.assertIn("/opt/td", core.not_found_message("/opt/td"))


class Urls(unittest.TestCase):
    def test_layer_and_service_urls_are_recognised_with_queries_dropped(self):
        base = "https://gis.example.com/server/rest/services/Folder/Parcels/FeatureServer"
        self.assertEqual(core.layer_target(base), (base, None))
        self.assertEqual(core.layer_target(base + "/"), (base, None))
        self.assertEqual(core.layer_target(base + "/3"), (base, 3))
        self.assertEqual(core.layer_target(base + "/0/query?where=1%3D1&f=json"), (base, 0))
        mapserver = "https://h/arcgis/rest/services/Roads/MapServer"
        self.assertEqual(core.layer_target(mapserver + "/12#x"), (mapserver, 12))

    def test_anything_else_is_refused_in_words(self):
        for url in ["", "gis.example.com", "https://gis.example.com/portal/home", "ftp://h/rest/services/A/FeatureServer"]:
            with self.assertRaises(ValueError):
                core.layer_target(url)

    def test_the_layer_uri_carries_url_auth_configuration_and_quoted_referer(self):
        self.assertEqual(
            core.layer_uri("https://h/rest/services/A/FeatureServer/0", "abc1234", "it's \\ mine"),
            "url='https://h/rest/services/A/FeatureServer/0' authcfg=abc1234 referer='it\\'s \\\\ mine'",
        )
        self.assertEqual(core.layer_uri("https://h/x/0"), "url='https://h/x/0'")

    def test_shared_signed_in_profiles_are_tried_first(self):
        profiles = [
            {"name": "a", "state": "signed_out"},
            {"name": "b", "state": "valid"},
            {"name": "c", "state": "valid"},
        ]
        self.assertEqual(core.choose_profiles(profiles, ["a", "b"]), ["b", "a"])


if __name__ == "__main__":
    unittest.main()
