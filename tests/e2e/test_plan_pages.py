"""The plan pages through the test client: a parent of a child of 9 makes a plan, stands behind
it, ticks off an action and evaluates it; bad input keeps what she typed and names the field."""

from __future__ import annotations

import re

from tests.e2e.test_dossier_pages import login, setup_people
from tests.support import post_form


def _dossier(parent) -> str:
    created = post_form(
        parent, "/dossiers/new", {"subject_name": "Lotte", "subject_birth_date": "2017-05-01"}
    )
    return created.headers["Location"]


def test_a_parent_makes_the_plan_of_her_child(app, client, ctx) -> None:
    setup_people(client, ctx)
    parent = login(app, "marieke@example.nl")
    dossier_url = _dossier(parent)
    assert 'href="' + dossier_url + '/plan"' in parent.get(dossier_url).get_data(as_text=True)
    empty = parent.get(dossier_url + "/plan").get_data(as_text=True)
    assert "There is no plan yet." in empty and "Make a plan" in empty

    form = parent.get(dossier_url + "/plan/new").get_data(as_text=True)
    assert 'name="goals-0-text"' in form and 'name="goals-0-actions-0-what"' in form
    assert 'name="goals-1-text"' not in form  # one spare goal
    more = post_form(
        parent, dossier_url + "/plan/new", {"goals-0-text": "Beter slapen", "more": "1"}
    ).get_data(as_text=True)
    assert 'name="goals-1-text"' in more and "Beter slapen" in more  # kept, one row more

    # A goal without words is refused by name, and what she typed stays.
    refused = post_form(
        parent,
        dossier_url + "/plan/new",
        {"goals-0-text": "", "goals-0-actions-0-what": "Om acht uur naar bed"},
    )
    assert refused.status_code == 200
    refused_html = refused.get_data(as_text=True)
    assert "Say what the goal is." in refused_html and "Om acht uur naar bed" in refused_html
    assert "There is no plan yet." in parent.get(dossier_url + "/plan").get_data(as_text=True)

    saved = post_form(
        parent,
        dossier_url + "/plan/new",
        {
            "strengths": "Lotte tekent graag.",
            "network-0-name": "Oma Els",
            "network-0-how": "Past op",
            "goals-0-text": "Beter slapen",
            "goals-0-proposed_by": "Marieke",
            "goals-0-actions-0-what": "Om acht uur naar bed",
            "goals-0-actions-0-who": "Lotte",
            "goals-0-actions-0-by": "2030-01-01",
        },
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/plan#version-1")
    page = parent.get(dossier_url + "/plan").get_data(as_text=True)
    assert "<title>Our plan · Eigen Dossier</title>" in page
    assert "Beter slapen" in page and "Oma Els" in page and "Proposal of marieke" in page
    assert "It waits for a yes from a parent or guardian." in page

    # Under 12 her yes makes it the plan.
    marked = post_form(
        parent, dossier_url + "/plan/versions/1/mark", {"agrees": "yes"}, dossier_url + "/plan"
    )
    assert marked.status_code == 302
    page = parent.get(dossier_url + "/plan").get_data(as_text=True)
    assert "Our plan" in page and "Everyone who must agree stands behind this plan." in page
    assert "marieke</strong> (parent or guardian):" in page and "stands behind this plan" in page

    ref = re.search(r'id="action-([0-9a-f-]{36})"', page)
    assert ref is not None
    post_form(
        parent,
        f"{dossier_url}/plan/actions/{ref.group(1)}",
        {"done": "yes", "note": ""},
        dossier_url + "/plan",
    )
    page = parent.get(dossier_url + "/plan").get_data(as_text=True)
    assert "✓ Om acht uur naar bed" in page and "Not done after all" in page
    # Undone and done again with a short note; undoing keeps the note.
    post_form(
        parent, f"{dossier_url}/plan/actions/{ref.group(1)}", {"done": "no"}, dossier_url + "/plan"
    )
    assert "Done, with a short note" in parent.get(dossier_url + "/plan").get_data(as_text=True)
    post_form(
        parent,
        f"{dossier_url}/plan/actions/{ref.group(1)}",
        {"done": "yes", "note": "Lukte 5 van de 7 dagen"},
        dossier_url + "/plan",
    )
    noted = parent.get(dossier_url + "/plan").get_data(as_text=True)
    assert "Lukte 5 van de 7 dagen" in noted
    assert 'name="note" value="Lukte 5 van de 7 dagen"' in noted  # undoing sends the note back
    page = parent.get(dossier_url + "/plan").get_data(as_text=True)

    evaluate = parent.get(dossier_url + "/plan/versions/1/evaluate").get_data(as_text=True)
    assert 'name="goals-0-outcome"' in evaluate
    gone = post_form(parent, dossier_url + "/plan/versions/1/evaluate", {})
    assert gone.status_code == 200  # nothing chosen: the page says so
    goal_ref = re.search(r'name="goals-0-ref"[^>]*value="([0-9a-f-]{36})"', evaluate)
    assert goal_ref is not None
    done = post_form(
        parent,
        dossier_url + "/plan/versions/1/evaluate",
        {"goals-0-ref": goal_ref.group(1), "goals-0-outcome": "partly", "goals-0-words": "Soms"},
    )
    assert done.status_code == 302
    assert "Partly reached: Soms" in parent.get(dossier_url + "/plan").get_data(as_text=True)


def test_numbers_in_paths_and_forms_that_name_no_version(app, client, ctx) -> None:
    """A version number beyond what a column holds, or a "digit" such as ², is no version: a
    404 or the form again, never an error page."""
    setup_people(client, ctx)
    parent = login(app, "marieke@example.nl")
    dossier_url = _dossier(parent)
    for number in ("0", str(2**64), "een"):
        assert parent.get(f"{dossier_url}/plan/versions/{number}").status_code == 404
    marked = post_form(
        parent,
        f"{dossier_url}/plan/versions/{2**64}/mark",
        {"agrees": "yes"},
        dossier_url + "/plan",
    )
    assert marked.status_code == 404
    saved = post_form(
        parent,
        dossier_url + "/plan/new",
        {"goals-0-text": "Beter slapen", "based_on": "²"},
    )
    assert saved.status_code == 302  # a new version that starts from nothing
    assert "Beter slapen" in parent.get(dossier_url + "/plan").get_data(as_text=True)


def test_a_no_without_a_reason_keeps_her_words_and_says_why(app, client, ctx) -> None:
    setup_people(client, ctx)
    parent = login(app, "marieke@example.nl")
    dossier_url = _dossier(parent)
    post_form(parent, dossier_url + "/plan/new", {"goals-0-text": "Beter slapen"})
    refused = post_form(
        parent,
        dossier_url + "/plan/versions/1/mark",
        {"agrees": "no", "reason": "   "},
        dossier_url + "/plan",
    )
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "Say why, so the others can change the plan." in html
    assert 'value="no" id="agrees-no-1" checked' in html  # her choice stays chosen
    marked = post_form(
        parent,
        dossier_url + "/plan/versions/1/mark",
        {"agrees": "no", "reason": "Te vroeg naar bed"},
        dossier_url + "/plan",
    )
    assert marked.status_code == 302
    page = parent.get(dossier_url + "/plan").get_data(as_text=True)
    assert "marieke</strong> (parent or guardian):" in page and "Te vroeg naar bed" in page
    assert ">Te vroeg naar bed</textarea>" in page  # changing her answer starts from it
