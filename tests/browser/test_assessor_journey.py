"""Journey 3: the assessor declares impartiality, prepares a scheduled candidate (FR.APL.02
review, FR.MAPA.01 plan, FR.AK.07, the TUK and document checklists, FR.AK.01 signed after the
candidate), records FR.IA.01 for every KUK with the keyboard (static/js/ia01.js), asks a
question, reviews the evidence and asks for one more file, decides K for one unit and BK with
reasons for the other, writes feedback, sends the recommendation, submits the record and
downloads the dossier PDF once it is rendered; a second assessor of the same event cannot open
that candidate."""

import re

import pytest

from assessments.models import AssessorProfile, EventAssessor
from tests import factories
from tests.browser.test_candidate_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A render by the worker on a loaded machine: the status partial polls every 2 s.
PDF_TIMEOUT_MS = 120_000


@pytest.fixture
def starting_point(assessor, other_assessor, candidate):
    """Alice applied for a two-unit scheme (documents, evidence, FR.APL.02, through the
    services); the LSP accepted her and placed her with Charlie at an event where Dina also
    assesses."""
    from assessments import services

    version = factories.make_scheme_version(
        units=2, elements=2, criteria=2, required_documents=["photo", "ktp", "ijazah"]
    )
    assessment = factories.make_submitted_application(candidate=candidate, scheme_version=version)
    admin = factories.AdminUserFactory()
    services.assessment_accept(assessment_id=assessment.pk, actor=admin)
    event = factories.AssessmentEventFactory(scheme_version=version)
    for person in (assessor, other_assessor):
        EventAssessor.objects.create(event=event, assessor=person, assigned_by=admin)
        AssessorProfile.objects.get(user=person).scope.add(version.scheme_id)
    services.assessment_schedule(
        assessment_id=assessment.pk, actor=admin, event=event, assessor=assessor
    )
    assessment.refresh_from_db()
    return assessment


def declare_no_relationship(person, event_id: int) -> None:
    """The declaration comes before any candidate data; a declared event shows the event."""
    page = person.page
    person.goto(f"/assessments/events/{event_id}/impartiality/")
    no_relationship = page.get_by_role("button", name="No relationship with any of them")
    if not no_relationship.count():
        return
    person.check(f"impartiality-event-{event_id}")
    no_relationship.click()
    for select in page.locator("#impartiality-form select").all():
        assert select.input_value() == "none"
    page.get_by_role("button", name="Declare").click()
    page.wait_for_load_state("load")
    person.assert_clean()


def click_label(page, scope, selector: str) -> None:
    """Turn on each (Bootstrap toggle) input matching ``selector`` by clicking its visible
    label, unless it is on already (the page may preselect, e.g. the evidence used)."""
    for field in scope.locator(selector).all():
        if not field.is_checked():
            page.locator(f"label[for='{field.get_attribute('id')}']").click()


def save_htmx(page, scope, button: str, url_part: str) -> None:
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
        scope.get_by_role("button", name=re.compile(f"^{button}")).click()
    page.wait_for_load_state("networkidle")


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
def test_assessor(starting_point, assessor, other_assessor, candidate, celery_worker, open_person):
    assessment = starting_point
    units = factories.scheme_units(assessment)
    base = f"/assessments/assess/{assessment.pk}"
    charlie = open_person("assessor")
    page = charlie.page
    sign_in(charlie, assessor.email, factories.PASSWORD)
    charlie.goto("/assessments/assessor/")
    charlie.check("home")

    # Preparation: impartiality, then FR.APL.02 review, plan, AK.07 and checklists.
    declare_no_relationship(charlie, assessment.event_id)
    charlie.goto(f"{base}/prepare/")
    charlie.check("prepare")
    apl02 = page.locator("#apl02")
    click_label(page, apl02, "input[name=decision][value=proceed]")
    apl02.locator("textarea").fill("Bukti portofolio memadai; asesmen dapat dilanjutkan.")
    apl02.get_by_role("button", name="Record the review").click()
    page.get_by_text("FR.APL.02 reviewed: the assessment can proceed.").first.wait_for()
    plan = page.locator("#plan")
    plan.get_by_role("link", name="Use a typical plan").click()
    page.wait_for_load_state("load")
    click_label(page, plan, "input[name=potensi][value='3']")
    click_label(page, plan, "input[name=context]>>nth=0")
    plan.locator("textarea[name=purpose_note]").fill("SKKNI dan SOP TUK.")
    save_htmx(page, plan, "Save the plan", "/prepare/plan/")
    page.get_by_text("The plan (FR.MAPA.01) is saved.").first.wait_for()
    save_htmx(page, page.locator("#ak07"), "Save the adjustments", "/prepare/ak07/")
    checks = page.locator("#checks")
    for box in checks.locator("input[type=checkbox]").all():
        box.check()
    save_htmx(page, checks, "Save the checklists", "/prepare/checks/")
    page.get_by_text("The checklists are saved.").first.wait_for()
    charlie.check("prepare-planned")

    # FR.AK.01: Alice signs first, in her own account; then Charlie, and preparation is done.
    alice = open_person("candidate")
    sign_in(alice, candidate.email, factories.PASSWORD)
    alice.goto(f"/assessments/{assessment.pk}/consent/")
    alice.page.locator("#id_typed_name").fill(candidate.full_name)
    alice.page.locator("#id_agreed").check()
    alice.page.get_by_role("button", name=re.compile("Sign")).click()
    alice.page.get_by_text("You signed FR.AK.01.").first.wait_for()
    charlie.goto(f"{base}/prepare/")
    ak01 = page.locator("#ak01")
    ak01.locator("input[name$=typed_name]").fill(assessor.full_name)
    ak01.locator("input[name$=agreed]").check()
    ak01.get_by_role("button", name="Sign FR.AK.01").click()
    page.get_by_text("You signed FR.AK.01.").first.wait_for()
    page.locator("#complete").get_by_role("button", name=re.compile("Preparation complete")).click()
    page.get_by_text("Preparation is complete. The assessment can start.").first.wait_for()
    charlie.check("prepare-complete")

    # FR.IA.01: j to the first open KUK, then y for each one.
    page.get_by_role("link", name="Go to observation").first.click()
    rows = page.locator("[data-ia01-row]")
    rows.first.wait_for()
    total = rows.count()
    charlie.check("ia01-empty")
    page.locator("body").focus()
    page.keyboard.press("j")
    for _ in range(total):
        with page.expect_response(lambda r: "/observe/" in r.url and r.request.method == "POST"):
            page.keyboard.press("y")
    page.wait_for_load_state("networkidle")
    answers = rows.evaluate_all("(rows) => rows.map((r) => r.getAttribute('data-answer'))")
    assert answers == ["ya"] * total
    charlie.check("ia01-done")

    # A question for the first unit (FR.IA.03 during the observation).
    charlie.goto(f"{base}/questions/")
    add = page.locator(f"#unit-{units[0].pk} details").first
    add.locator("summary").click()
    add.locator("textarea[name$='-question']").fill(
        "Mengapa Anda memilih struktur data ini untuk daftar barang?"
    )
    add.locator("textarea[name$='-answer']").fill("Pencarian cepat berdasarkan kode barang.")
    click_label(page, add, "input[name$='-achieved'][value=ya]")
    add.get_by_role("button", name="Save the question").click()
    page.get_by_text("Pencarian cepat berdasarkan kode barang.").first.wait_for()
    charlie.check("questions")

    # FR.IA.08: the portfolio is valid, authentic, current and sufficient; one more file asked.
    page.get_by_role("link", name="Next: evidence review").click()
    card = page.locator("[id^='evidence-']:has(button:has-text('Save review'))").first
    click_label(page, card, "input.btn-check[type=checkbox]")
    card.locator("textarea").fill("Laporan proyek sesuai unit pertama.")
    save_htmx(page, card, "Save review", "/evidence/")
    page.get_by_text("Review saved.").first.wait_for()
    page.locator("textarea[name=request-what]").fill(
        "Unggah contoh kode program untuk elemen 2 unit kedua (KUK 2.1 dan 2.2)."
    )
    page.get_by_role("button", name="Send the request to the candidate").click()
    page.locator("#requests").get_by_text("Unggah contoh kode program").first.wait_for()
    charlie.check("evidence")

    # FR.AK.02: K for the first unit, BK with reason and follow-up for the second.
    page.get_by_role("link", name="Next: decision per unit").click()
    first, second = (page.locator(f"#unit-{unit.pk}") for unit in units)
    click_label(page, first, "input[type=radio][value=K]")
    click_label(page, first, "input[type=checkbox][value=observasi]")
    save_htmx(page, first, "Save decision", "/decide/")
    page.locator(f"#unit-{units[0].pk}").get_by_text("Decision saved.").wait_for()
    second = page.locator(f"#unit-{units[1].pk}")
    click_label(page, second, "input[type=radio][value=BK]")
    click_label(page, second, "input[type=checkbox][value=observasi]")
    second.locator("textarea[name$=reason]").fill("Contoh kode untuk elemen 2 belum ditunjukkan.")
    second.locator("textarea[name$=follow_up]").fill("Asesmen ulang elemen 2 dengan portofolio.")
    save_htmx(page, second, "Save decision", "/decide/")
    page.locator(f"#unit-{units[1].pk}").get_by_text("Decision saved.").wait_for()
    charlie.check("decide")

    # Feedback per unit, then the recommendation goes to the candidate.
    page.get_by_role("link", name="Next: feedback").click()
    for unit, (strengths, gaps) in zip(
        units,
        [
            ("Langkah kerja runtut dan teliti.", "Tambahkan komentar pada kode."),
            ("Memahami konsep struktur data.", "Siapkan contoh kode untuk elemen 2."),
        ],
        strict=True,
    ):
        block = page.locator(f"#unit-{unit.pk}")
        block.locator("textarea[name$=strengths]").fill(strengths)
        block.locator("textarea[name$=gaps]").fill(gaps)
        save_htmx(page, block, "Save feedback", "/feedback/")
        page.locator(f"#unit-{unit.pk}").get_by_text("Feedback saved.").wait_for()
    charlie.check("feedback")
    page.get_by_role("button", name="Send recommendation").click()
    page.get_by_text("Recommendation sent. The candidate can now see the result").first.wait_for()

    # The record is submitted; the dossier is rendered by the worker and downloaded.
    page.get_by_role("button", name="Submit the record").click()
    page.get_by_text("The record is submitted and is now read-only.").first.wait_for()
    assert (
        "Observation"
        in page.locator(f"article[aria-labelledby='report-unit-{units[0].pk}']").inner_text()
    )
    dossier = page.locator("[data-document=dossier]")
    dossier.get_by_role("button", name="Generate PDF").click()
    download_link = dossier.get_by_role("link", name=re.compile("Download"))
    download_link.first.wait_for(timeout=PDF_TIMEOUT_MS)
    charlie.check("report-dossier")
    with page.expect_download() as download:
        download_link.first.click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # Another assessor of the same event is not even told that this candidate exists.
    dina = open_person("other-assessor")
    sign_in(dina, other_assessor.email, factories.PASSWORD)
    with dina.expecting(404, f"/assess/{assessment.pk}/"):
        response = dina.goto(f"{base}/report/")
    assert response.status == 404
    dina.check("other-assessor-404")
