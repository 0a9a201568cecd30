"""``python manage.py verify_archive``: re-hash every archived document and check the chains of
versions; exits non-zero when a file changed or vanished or a chain is broken (for cron and
monitoring). The LSP admins see the same check at /assessments/documents/archive-check/."""

from django.core.management.base import BaseCommand, CommandError

from assessments.pdf.services import verify_archive


class Command(BaseCommand):
    help = "Re-hash every archived document; report changed, missing or unchained versions."

    def handle(self, *args, **options) -> None:
        report = verify_archive()
        for problem in report.problems:
            archive = problem.archive
            self.stderr.write(
                f"{problem.kind.upper()}: {archive.document} subject "
                f"{archive.subject_type_id}-{archive.subject_id} v{archive.version} "
                f"(archive id {archive.pk}): {problem.detail}"
            )
        if report.problems:
            raise CommandError(
                f"{len(report.problems)} problem(s) in {report.checked} archived document(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"{report.checked} archived document(s) checked: all unchanged.")
        )
