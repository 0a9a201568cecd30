"""``python manage.py seed_demo``: a believable LSP to click through in development and demos.

Everything is keyed on natural keys (emails, codes, MET numbers, the scheme number), so a second
run finds what the first one created and changes nothing. Every assessment is walked through the
real services, exactly as the web pages would drive it, so each carries the same audit trail
(history rows, notifications, stored files) as one made by hand:

- the candidate (assessments.services): profile, application_start, document_upload of every
  required document (small PDFs and a PNG pas foto made here), evidence_upload per unit,
  self_assessment_save for every APL.02 element with that evidence linked, application_submit;
- the LSP admin: application_check_documents, application_confirm_payment, application_accept
  (or return / reject), then the placement in an event with an assessor;
- the assessor: impartiality_declare, review_apl02, consent_sign (candidate first, then the
  assessor), plan_save + preparation_complete, observation_save for every KUK, a question from
  the scheme's bank, evidence_review_save, unit_decide, feedback_save, recommendation_submit and,
  after the candidate's FR.AK.03, report_submit;
- the pleno and the register (certification.services_certification): decision_make (one
  certified, one not certified after a KUK observed Tidak), certificate_issue, and one more
  certificate suspended with its reason, for the public verification page.

Impartiality: an assessor declares before acting on any candidate (review_apl02 and everything
after refuse otherwise), so the demo assessor has declared for every candidate they have worked
on: all of the past event, and the cleared and prepared candidates of the upcoming one. One more
candidate (``late``) is placed with the demo assessor in the upcoming event after that
declaration, as when the admin adds a candidate to a running list: the assessor's event page
still shows the declaration step first for that candidate, which is the real flow.
"""

import contextlib
import datetime
import io
import json
import logging
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from assessments import services
from assessments.models import (
    AK03_ITEMS,
    TUK,
    ApplicationDocument,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    BankQuestion,
    CandidateProfile,
    DocumentKind,
    EventAssessor,
    ImpartialityDeclaration,
    Instrument,
    Notification,
    PreparationRecord,
    SelfAssessment,
    UnitDecision,
    UnitPlan,
)
from certification import selectors as certification_selectors
from certification import services_certification
from certification.models import LSP, Certificate, User
from schemes.models import Criterion, Element, SchemeVersion

DEMO_PASSWORD = "kompeten-demo"  # noqa: S105  (published in the README on purpose)
SCHEME_FILE = "scheme-junior-web-programmer.json"
SEED_REASON = "demo data (seed_demo)"

# Filled into the imported draft when the JSON does not say: the FR.APL.01 document list most
# LSPs ask for, and a fee in the usual range for a cluster scheme.
DEFAULT_REQUIRED_DOCUMENTS = [
    "photo",
    "ktp",
    "ijazah",
    "cv",
    "sertifikat_pelatihan",
    "surat_keterangan_kerja",
]
DEFAULT_FEE = Decimal(750_000)

LSP_DATA = {
    "name": "LSP Teknologi Digital Nusantara",
    "short_code": "LSP-TDN",
    "licence_number": "BNSP-LSP-1234-ID",
    "address": "Jl. H.R. Rasuna Said Kav. B-10, Lt. 5\nKuningan, Setiabudi\nJakarta Selatan 12910",
    "city": "Jakarta Selatan",
    "phone": "(021) 5290 4417",
    "email": "sekretariat@lsp-tdn.test",
    "website": "https://lsp-tdn.test",
}
LSP_LICENCE_DAYS = 3 * 365


@dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    roles: tuple[str, ...]
    superuser: bool = False


@dataclass(frozen=True)
class AssessorSpec:
    key: str
    email: str
    full_name: str
    met_number: str
    # The licence ends this many days from today (negative: already expired).
    licence_days: int
    phone: str


@dataclass(frozen=True)
class TUKSpec:
    code: str
    name: str
    tuk_type: str
    address: str
    city: str
    time_zone: str
    contact_name: str
    contact_phone: str
    verified_days_ago: int


@dataclass(frozen=True)
class EventSpec:
    key: str
    code: str
    name: str
    tuk_code: str
    days_from_today: int
    quota: int
    assessors: tuple[str, ...]
    # "open": registration open (upcoming); "done": took place (the past event).
    final_status: str


@dataclass(frozen=True)
class CandidateSpec:
    email: str
    full_name: str
    sex: str
    birth_place: str
    birth_date: datetime.date
    # First six NIK digits: province, regency/city, district of registration.
    region: str
    serial: int
    address: str
    postal_code: str
    phone: str
    education: str
    state: str
    institution: str = ""
    position: str = ""
    job_address: str = ""
    job_phone: str = ""
    event: str = ""
    assessor: str = ""
    purpose: str = Assessment.Purpose.CERTIFICATION
    # Decided candidates: "certified" (a certificate is issued), "suspended" (issued, then
    # suspended) or "not_certified" (one KUK observed Tidak, that unit BK).
    outcome: str = ""
    # Placed in the event only after the assessor declared impartiality for the candidates
    # already there: the assessor's event page still asks for this candidate's declaration.
    late: bool = False

    @property
    def nik(self) -> str:
        """A NIK laid out like a real one: region, birth date (day + 40 for women), serial."""
        day = self.birth_date.day + (40 if self.sex == CandidateProfile.Sex.FEMALE else 0)
        return f"{self.region}{day:02d}{self.birth_date:%m%y}{self.serial:04d}"


STAFF = [
    StaffSpec("admin@kompeten.test", "Rina Kartikasari, S.Kom.", ("lsp_admin",), superuser=True),
    StaffSpec("komite@kompeten.test", "Ir. Hartono Wibisono, M.Kom.", ("decision_maker",)),
    StaffSpec("ketua@kompeten.test", "Dr. Suryadi Mulyono, M.T.", ("lsp_head",)),
]

ASSESSORS = [
    AssessorSpec(
        key="valid",
        email="asesor@kompeten.test",
        full_name="Budi Santoso, S.Kom., M.T.",
        met_number="MET.000.008317.2021",
        licence_days=730,
        phone="0812 9034 5521",
    ),
    AssessorSpec(
        key="expiring",
        email="siti.rahmawati@demo.kompeten.test",
        full_name="Siti Rahmawati, S.T.",
        met_number="MET.000.012094.2022",
        licence_days=45,
        phone="0857 1120 8843",
    ),
    AssessorSpec(
        key="expired",
        email="hendra.gunawan@demo.kompeten.test",
        full_name="Hendra Gunawan, S.Kom.",
        met_number="MET.000.002876.2018",
        licence_days=-30,
        phone="0819 3307 1266",
    ),
]

TUKS = [
    TUKSpec(
        code="TUK-JKT-01",
        name="TUK Sewaktu LSP TDN Kuningan",
        tuk_type=TUK.Type.SEWAKTU,
        address="Jl. H.R. Rasuna Said Kav. B-10, Lt. 5, Kuningan, Setiabudi, Jakarta Selatan 12910",
        city="Jakarta Selatan",
        time_zone=TUK.Zone.WIB,
        contact_name="Yusuf Maulana",
        contact_phone="0813 1188 2045",
        verified_days_ago=60,
    ),
    TUKSpec(
        code="TUK-MKS-01",
        name="TUK Tempat Kerja PT Celebes Data Prima",
        tuk_type=TUK.Type.TEMPAT_KERJA,
        address="Jl. A. P. Pettarani No. 88, Buakana, Rappocini, Makassar 90222",
        city="Makassar",
        time_zone=TUK.Zone.WITA,
        contact_name="Andi Nurhayati",
        contact_phone="0811 4102 3377",
        verified_days_ago=35,
    ),
]

EVENTS = [
    EventSpec(
        key="past",
        code="DEMO-JWP-01",
        name="Uji Kompetensi Junior Web Programmer Gelombang 1 (Makassar)",
        tuk_code="TUK-MKS-01",
        days_from_today=-21,
        quota=10,
        assessors=("valid", "expiring"),
        final_status="done",
    ),
    EventSpec(
        key="upcoming",
        code="DEMO-JWP-02",
        name="Uji Kompetensi Junior Web Programmer Gelombang 2 (Jakarta)",
        tuk_code="TUK-JKT-01",
        days_from_today=7,
        quota=20,
        assessors=("valid", "expiring"),
        final_status="open",
    ),
]
EVENT_HOURS = (datetime.time(8, 0), datetime.time(16, 0))

S = Assessment.State
Edu = CandidateProfile.Education
MALE, FEMALE = CandidateProfile.Sex.MALE, CandidateProfile.Sex.FEMALE
# Employers, shared by several candidates as in a real batch.
SOLUSI_DATA = {
    "institution": "PT Solusi Data Nusantara",
    "job_address": "Jl. Prof. Dr. Satrio Kav. 7, Karet Kuningan, Jakarta Selatan",
    "job_phone": "021 5794 3310",
}
ARUNIKA = {
    "institution": "PT Arunika Teknologi Indonesia",
    "job_address": "Jl. Jend. Sudirman Kav. 45, Jakarta Selatan",
    "job_phone": "021 2555 8190",
}
KARYA_DIGITAL = {
    "institution": "CV Karya Digital Mandiri",
    "job_address": "Jl. Dipatiukur No. 35, Bandung",
    "job_phone": "022 250 7781",
}
# The past event took place at this company's workplace TUK, for its own programmers.
CELEBES = {
    "institution": "PT Celebes Data Prima",
    "job_address": "Jl. A. P. Pettarani No. 88, Rappocini, Makassar 90222",
    "job_phone": "0411 452 780",
    "event": "past",
}

CANDIDATES = [
    # Applying, not placed in an event yet.
    CandidateSpec(
        email="asesi@kompeten.test",
        full_name="Andi Pratama",
        sex=MALE,
        birth_place="Jakarta",
        birth_date=datetime.date(2001, 3, 14),
        region="317401",
        serial=2,
        address="Jl. Tebet Barat Dalam IV No. 12, RT 008/RW 03, Tebet, Jakarta Selatan",
        postal_code="12810",
        phone="0812 8841 2093",
        education=Edu.SMA,
        position="Junior Web Developer",
        state=S.DRAFT,
        **SOLUSI_DATA,
    ),
    CandidateSpec(
        email="rizky.ramadhan@demo.kompeten.test",
        full_name="Rizky Ramadhan",
        sex=MALE,
        birth_place="Bandung",
        birth_date=datetime.date(1999, 12, 28),
        region="327305",
        serial=14,
        address="Jl. Cikutra No. 201, RT 002/RW 07, Cibeunying Kidul, Bandung",
        postal_code="40124",
        phone="0822 1547 9080",
        education=Edu.D3,
        position="Programmer",
        state=S.SUBMITTED,
        **KARYA_DIGITAL,
    ),
    CandidateSpec(
        email="putri.wulandari@demo.kompeten.test",
        full_name="Putri Ayu Wulandari",
        sex=FEMALE,
        birth_place="Yogyakarta",
        birth_date=datetime.date(2000, 7, 9),
        region="347104",
        serial=3,
        address="Jl. Kaliurang Km 5, Gg. Pandega Marta No. 8, Sleman, Yogyakarta",
        postal_code="55281",
        phone="0856 4310 2278",
        education=Edu.S1,
        institution="Politeknik Informatika Nusantara",
        position="Asisten Laboratorium",
        state=S.RETURNED,
    ),
    CandidateSpec(
        email="fajar.nugroho@demo.kompeten.test",
        full_name="Muhammad Fajar Nugroho",
        sex=MALE,
        birth_place="Semarang",
        birth_date=datetime.date(1998, 4, 21),
        region="337406",
        serial=9,
        address="Jl. Pandanaran II No. 17, Mugassari, Semarang Selatan, Semarang",
        postal_code="50249",
        phone="0813 2576 6104",
        education=Edu.S1,
        position="Web Developer",
        state=S.ACCEPTED,
        **ARUNIKA,
    ),
    CandidateSpec(
        email="nur.aisyah@demo.kompeten.test",
        full_name="Nur Aisyah",
        sex=FEMALE,
        birth_place="Bekasi",
        birth_date=datetime.date(2002, 1, 30),
        region="327504",
        serial=21,
        address="Perum Harapan Indah Blok C3 No. 9, Medan Satria, Bekasi",
        postal_code="17132",
        phone="0878 8012 4456",
        education=Edu.SMA,
        institution="Toko Berkah Jaya",
        position="Staf Administrasi",
        state=S.REJECTED,
    ),
    CandidateSpec(
        email="yoga.prasetyo@demo.kompeten.test",
        full_name="Yoga Prasetyo",
        sex=MALE,
        birth_place="Surabaya",
        birth_date=datetime.date(1997, 8, 16),
        region="357816",
        serial=5,
        address="Jl. Kertajaya Indah Timur IX No. 4, Mulyorejo, Surabaya",
        postal_code="60116",
        phone="0838 3170 5529",
        education=Edu.D3,
        position="Programmer",
        state=S.WITHDRAWN,
        **SOLUSI_DATA,
    ),
    # Placed in the upcoming event in Jakarta.
    CandidateSpec(
        email="intan.permatasari@demo.kompeten.test",
        full_name="Intan Permatasari",
        sex=FEMALE,
        birth_place="Bogor",
        birth_date=datetime.date(2001, 5, 5),
        region="327104",
        serial=11,
        address="Jl. Pajajaran Indah V No. 22, Baranangsiang, Bogor Timur, Bogor",
        postal_code="16143",
        phone="0896 5012 7730",
        education=Edu.SMA,
        institution="SMK Teknologi Bangsa",
        position="Lulusan Rekayasa Perangkat Lunak",
        state=S.SCHEDULED,
        event="upcoming",
        assessor="valid",
        late=True,
    ),
    CandidateSpec(
        email="agus.setiawan@demo.kompeten.test",
        full_name="Agus Setiawan",
        sex=MALE,
        birth_place="Depok",
        birth_date=datetime.date(1995, 10, 11),
        region="327603",
        serial=7,
        address="Jl. Margonda Raya Gg. Kober No. 15, Pondok Cina, Beji, Depok",
        postal_code="16424",
        phone="0815 1094 3382",
        education=Edu.SMA,
        position="Senior Web Developer",
        state=S.CLEARED,
        event="upcoming",
        assessor="valid",
        purpose=Assessment.Purpose.RPL,
        **ARUNIKA,
    ),
    CandidateSpec(
        email="larasati.kusuma@demo.kompeten.test",
        full_name="Larasati Kusuma",
        sex=FEMALE,
        birth_place="Tangerang",
        birth_date=datetime.date(2000, 2, 19),
        region="367102",
        serial=16,
        address="Jl. Imam Bonjol No. 58, Karawaci, Tangerang",
        postal_code="15115",
        phone="0881 0221 6645",
        education=Edu.D3,
        position="Front-end Developer",
        state=S.PREPARED,
        event="upcoming",
        assessor="valid",
        **KARYA_DIGITAL,
    ),
    # Assessed at the past event, at the workplace TUK in Makassar.
    CandidateSpec(
        email="dimas.saputra@demo.kompeten.test",
        full_name="Dimas Aditya Saputra",
        sex=MALE,
        birth_place="Makassar",
        birth_date=datetime.date(1999, 6, 3),
        region="737110",
        serial=4,
        address="Jl. Toddopuli Raya No. 31, Panakkukang, Makassar",
        postal_code="90231",
        phone="0852 4201 7718",
        education=Edu.D3,
        position="Programmer",
        state=S.IN_PROGRESS,
        assessor="valid",
        **CELEBES,
    ),
    CandidateSpec(
        email="fitri.handayani@demo.kompeten.test",
        full_name="Fitri Handayani",
        sex=FEMALE,
        birth_place="Parepare",
        birth_date=datetime.date(1998, 11, 25),
        region="737202",
        serial=8,
        address="Jl. Sultan Alauddin No. 140, Mangasa, Tamalate, Makassar",
        postal_code="90221",
        phone="0853 9416 2251",
        education=Edu.S1,
        position="Web Developer",
        state=S.RECOMMENDED,
        assessor="expiring",
        **CELEBES,
    ),
    CandidateSpec(
        email="iqbal.syam@demo.kompeten.test",
        full_name="Muhammad Iqbal Syam",
        sex=MALE,
        birth_place="Gowa",
        birth_date=datetime.date(1996, 9, 12),
        region="730601",
        serial=19,
        address="Perumahan Bumi Samata Permai Blok D No. 6, Somba Opu, Gowa",
        postal_code="92113",
        phone="0821 9033 4470",
        education=Edu.S1,
        position="Programmer",
        state=S.REPORTED,
        assessor="valid",
        **CELEBES,
    ),
    CandidateSpec(
        email="ahmad.rahim@demo.kompeten.test",
        full_name="Ahmad Fauzi Rahim",
        sex=MALE,
        birth_place="Watampone",
        birth_date=datetime.date(1997, 1, 27),
        region="730801",
        serial=12,
        address="Jl. Perintis Kemerdekaan Km 9, Tamalanrea, Makassar",
        postal_code="90245",
        phone="0812 4277 6093",
        education=Edu.S1,
        position="Lead Programmer",
        state=S.DECIDED,
        assessor="valid",
        outcome="certified",
        **CELEBES,
    ),
    CandidateSpec(
        email="sri.wahyuni@demo.kompeten.test",
        full_name="Sri Wahyuni",
        sex=FEMALE,
        birth_place="Makassar",
        birth_date=datetime.date(2001, 10, 17),
        region="737105",
        serial=13,
        address="Jl. Urip Sumoharjo No. 120, Panaikang, Panakkukang, Makassar",
        postal_code="90231",
        phone="0852 9910 4478",
        education=Edu.D3,
        position="Junior Programmer",
        state=S.DECIDED,
        assessor="valid",
        outcome="not_certified",
        **CELEBES,
    ),
    CandidateSpec(
        email="andi.baso@demo.kompeten.test",
        full_name="Andi Baso Mappaenre",
        sex=MALE,
        birth_place="Bulukumba",
        birth_date=datetime.date(1994, 2, 6),
        region="730201",
        serial=15,
        address="Jl. Adhyaksa Baru No. 9, Pandang, Panakkukang, Makassar",
        postal_code="90231",
        phone="0811 4670 2215",
        education=Edu.S1,
        position="Programmer",
        state=S.DECIDED,
        assessor="valid",
        outcome="suspended",
        **CELEBES,
    ),
    CandidateSpec(
        email="nurul.hikmah@demo.kompeten.test",
        full_name="Nurul Hikmah",
        sex=FEMALE,
        birth_place="Palopo",
        birth_date=datetime.date(1999, 4, 8),
        region="737302",
        serial=6,
        address="Jl. Hertasning Baru No. 77, Rappocini, Makassar",
        postal_code="90222",
        phone="0813 5580 1942",
        education=Edu.D3,
        position="Programmer",
        state=S.REOPENED,
        assessor="expiring",
        **CELEBES,
    ),
    CandidateSpec(
        email="kevin.rumondor@demo.kompeten.test",
        full_name="Kevin Rumondor",
        sex=MALE,
        birth_place="Manado",
        birth_date=datetime.date(2000, 12, 1),
        region="717104",
        serial=10,
        address="Jl. Boulevard Panakkukang No. 12, Panakkukang, Makassar",
        postal_code="90231",
        phone="0823 4910 3357",
        education=Edu.SMA,
        position="Junior Programmer",
        state=S.ABSENT,
        assessor="expiring",
        **CELEBES,
    ),
]

# The states each assessment passes through, in order (the walk reaches each one through the
# services a person would use on that step, see Seeder._reach).
_TO_SCHEDULED = (S.SUBMITTED, S.ACCEPTED, S.SCHEDULED)
_TO_REPORTED = (*_TO_SCHEDULED, S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.RECOMMENDED, S.REPORTED)
PATHS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (),
    S.SUBMITTED: (S.SUBMITTED,),
    S.RETURNED: (S.SUBMITTED, S.RETURNED),
    S.ACCEPTED: (S.SUBMITTED, S.ACCEPTED),
    S.REJECTED: (S.SUBMITTED, S.REJECTED),
    S.WITHDRAWN: (S.SUBMITTED, S.ACCEPTED, S.WITHDRAWN),
    S.SCHEDULED: _TO_SCHEDULED,
    S.CLEARED: (*_TO_SCHEDULED, S.CLEARED),
    S.PREPARED: (*_TO_SCHEDULED, S.CLEARED, S.PREPARED),
    S.IN_PROGRESS: (*_TO_SCHEDULED, S.CLEARED, S.PREPARED, S.IN_PROGRESS),
    S.RECOMMENDED: (*_TO_SCHEDULED, S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.RECOMMENDED),
    S.REPORTED: _TO_REPORTED,
    S.DECIDED: (*_TO_REPORTED, S.DECIDED),
    S.REOPENED: (*_TO_REPORTED, S.REOPENED),
    S.ABSENT: (*_TO_SCHEDULED, S.ABSENT),
}

# What the people in the demo write on each step (record content, kept in Indonesian).
NOTES = {
    "return": "Pindaian KTP tidak terbaca; mohon unggah ulang KTP yang jelas.",
    "accept": "Persyaratan dasar dan dokumen lengkap: diterima.",
    "reject": "Belum memenuhi persyaratan dasar: pendidikan non-TI tanpa pelatihan atau "
    "pengalaman kerja di bidang pemrograman.",
    "withdraw": "Mendapat penugasan ke luar kota pada jadwal uji kompetensi.",
    "clear": "APL.02 ditinjau: asesmen dapat dilanjutkan.",
    "purpose": "Sertifikasi kompetensi programmer web untuk pemenuhan standar kompetensi kerja.",
    "decide_certified": "Rapat pleno komite teknis: seluruh unit Kompeten, rekaman lengkap; "
    "direkomendasikan untuk diberikan sertifikat.",
    "decide_not": "Rapat pleno komite teknis: unit J.620100.005.02 Belum Kompeten; asesi "
    "dapat mengikuti asesmen ulang unit tersebut.",
    "suspend": "Pembekuan sementara: pengaduan pemberi kerja tentang pemalsuan bukti portofolio "
    "sedang diperiksa komite (surat pengaduan No. 014/ADU/LSP-TDN/2026).",
    "reopen": "Koreksi rekaman: bukti portofolio unit J.620100.005.02 belum dilampirkan.",
    "absent": "Asesi tidak hadir pada hari pelaksanaan tanpa pemberitahuan.",
    "tidak": "Tata letak antarmuka belum menyesuaikan layar ponsel seperti pada rancangan.",
    "bk_reason": "KUK penerapan rancangan antarmuka belum ditunjukkan pada observasi praktik.",
    "bk_follow_up": "Asesmen ulang unit ini: demonstrasi antarmuka responsif sesuai rancangan.",
    "strengths": "Kode rapi dan terstruktur; menjelaskan langkah kerja dengan baik.",
    "gaps": "Perlu membiasakan menulis pengujian otomatis.",
}
RETURNED_SECTIONS = ["documents"]
# The assessor's FR.IA.03/07/09 question bank for the scheme (unit_code "" = any unit).
BANK_QUESTIONS = [
    (
        "ia03",
        "",
        "Mengapa Anda memilih struktur folder proyek seperti yang Anda gunakan?",
        "Memisahkan tampilan, logika dan data agar mudah dipelihara.",
    ),
    (
        "ia03",
        "",
        "Apa yang Anda lakukan jika hasil kode tidak sesuai dengan spesifikasi?",
        "Menelusuri kesalahan, memperbaiki, lalu menguji ulang sesuai spesifikasi.",
    ),
    (
        "ia07",
        "",
        "Jelaskan perbedaan validasi masukan di sisi klien dan di sisi server.",
        "Klien untuk kenyamanan pengguna; server wajib karena masukan klien bisa dimanipulasi.",
    ),
    (
        "ia07",
        "",
        "Sebutkan cara mencegah SQL injection pada aplikasi web.",
        "Query berparameter / ORM, validasi masukan, hak akses basis data minimal.",
    ),
    (
        "ia09",
        "",
        "Ceritakan proyek web terakhir yang Anda kerjakan dan peran Anda di dalamnya.",
        "Menjelaskan lingkup proyek, tugas yang dikerjakan sendiri, dan hasilnya.",
    ),
]

DEMO_ACCOUNTS = [
    ("admin@kompeten.test", "LSP admin, Django admin superuser"),
    ("asesor@kompeten.test", "assessor on both demo events"),
    ("komite@kompeten.test", "decision maker (komite teknis)"),
    ("ketua@kompeten.test", "LSP head"),
    ("asesi@kompeten.test", "candidate with a draft application"),
]


class Command(BaseCommand):
    help = (
        "Create a demo LSP (scheme, TUK, assessors, staff, candidates in every assessment state, "
        f"two events). Safe to run again. Every demo account's password is {DEMO_PASSWORD!r}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any user exists (for make targets that run on every start).",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (a demo server). Never on a real LSP: the demo "
            "superuser's password is public.",
        )

    def handle(
        self, *args, if_empty: bool = False, allow_without_debug: bool = False, **options
    ) -> None:
        if if_empty and User.objects.exists():
            self.stdout.write("seed_demo: users exist already, nothing seeded.")
            return
        if not settings.DEBUG and not allow_without_debug:
            # The demo accounts share a password printed in the README; one of them is a
            # superuser. Seeding them into a production database would open it to anyone.
            raise CommandError(
                "DEBUG is off: refusing to create demo accounts with a public password. "
                "Pass --allow-without-debug on a throwaway demo server."
            )
        # Services notify candidates; in development the email tasks run eagerly when the
        # transaction commits, the mail backend echoes each message to stdout and Celery logs
        # each task. Keep all that out of the summary (the mails are still written under
        # EMAIL_FILE_PATH, and a failing task still raises).
        with _quiet_side_effects(), transaction.atomic():
            seeder = Seeder()
            seeder.run()
        self._print_summary(seeder)

    def _print_summary(self, seeder: "Seeder") -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(f"Demo data for {seeder.lsp.name}:"))
        for label in seeder.labels:
            created, found = seeder.created[label], seeder.found[label]
            write(f"  {label:<22} {created:>3} created {found:>3} found")
        write(f"  {'notifications':<22} {seeder.notifications:>3} created")
        write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for email, role in DEMO_ACCOUNTS:
            write(f"  {email:<24} {role}")
        write(
            f"  others: <name>@demo.kompeten.test ({len(CANDIDATES) - 1} more candidates, "
            f"{len(ASSESSORS) - 1} more assessors)"
        )
        if seeder.certificates:
            write("Public verification of the demo certificates:")
            for certificate in seeder.certificates:
                url = certification_selectors.verification_url(certificate.token)
                write(f"  {certificate.holder_name} ({certificate.get_state_display()}): {url}")


@contextlib.contextmanager
def _quiet_side_effects() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Seeder:
    """Finds or creates each demo record; ``created``/``found`` count both per kind."""

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.found: Counter[str] = Counter()
        self.labels: list[str] = []
        self.notifications = 0
        self.today = timezone.localdate()
        self.now = timezone.now()
        # Hashing is deliberately slow; one hash serves every demo account.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.assessors: dict[str, User] = {}
        self.tuks: dict[str, TUK] = {}
        self.events: dict[str, AssessmentEvent] = {}
        self.certificates: list[Certificate] = []

    def _tally(self, label: str, created: bool) -> None:
        if label not in self.labels:
            self.labels.append(label)
        (self.created if created else self.found)[label] += 1

    def run(self) -> None:
        notifications_before = Notification.objects.count()
        self.lsp = self._lsp()
        self.admin = self._staff(STAFF[0])
        self.decision_maker = self._staff(STAFF[1])
        self.head = self._staff(STAFF[2])
        self.version = self._scheme_version()
        self.structure = self._structure()
        for spec in ASSESSORS:
            self.assessors[spec.key] = self._assessor(spec)
        for spec in TUKS:
            self.tuks[spec.code] = self._tuk(spec)
        new_events = []
        for spec in EVENTS:
            event, created = self._event(spec)
            self.events[spec.key] = event
            if created:
                new_events.append((event, spec))
        self._bank_questions()
        walks = [walk for spec in CANDIDATES if (walk := self._candidate(spec)) is not None]
        # The application and its placement first, then the assessors declare impartiality for
        # the candidates placed so far, then the late placements, then the assessors' work.
        for walk in walks:
            if not walk.spec.late:
                walk.advance(until=S.SCHEDULED)
        self._declare_impartiality()
        for walk in walks:
            walk.advance()
        # An event is closed and marked done only after its candidates were placed in it, as at a
        # real LSP (and assessment_schedule refuses a done event).
        for event, spec in new_events:
            self._finish_event(event, spec)
        self.notifications = Notification.objects.count() - notifications_before
        self.certificates = list(
            Certificate.objects.filter(holder__email__endswith="kompeten.test").order_by("pk")
        )

    # --- the LSP and its people -------------------------------------------------------------

    def _lsp(self) -> LSP:
        lsp = LSP.objects.filter(singleton=True).first()
        created = lsp is None
        if created:
            lsp = LSP(
                **LSP_DATA,
                licence_valid_until=self.today + datetime.timedelta(days=LSP_LICENCE_DAYS),
            )
            lsp.full_clean()
            lsp.save()
        self._tally("LSP record", created)
        return lsp

    def _user(self, *, email: str, full_name: str, label: str, **flags) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "password": self.password_hash,
                "email_verified_at": self.now,
                **flags,
            },
        )
        self._tally(label, created)
        return user

    def _staff(self, spec: StaffSpec) -> User:
        flags = {f"is_{role}": True for role in spec.roles}
        if spec.superuser:
            flags.update(is_staff=True, is_superuser=True)
        return self._user(email=spec.email, full_name=spec.full_name, label="staff users", **flags)

    def _assessor(self, spec: AssessorSpec) -> User:
        user = self._user(
            email=spec.email, full_name=spec.full_name, label="assessor users", is_assessor=True
        )
        profile = AssessorProfile.objects.filter(met_number=spec.met_number).first()
        created = profile is None
        if created:
            profile = AssessorProfile(
                user=user,
                met_number=spec.met_number,
                phone=spec.phone,
                licence_valid_until=self.today + datetime.timedelta(days=spec.licence_days),
            )
            profile.full_clean()
            self._save_new(profile)
            profile.scope.add(self.version.scheme)
        self._tally("assessor profiles", created)
        return user

    def _candidate(self, spec: CandidateSpec) -> "Walk | None":
        user = self._user(
            email=spec.email, full_name=spec.full_name, label="candidate users", is_candidate=True
        )
        created = not CandidateProfile.objects.filter(user=user).exists()
        if created:
            profile = CandidateProfile(
                user=user,
                nik=spec.nik,
                birth_place=spec.birth_place,
                birth_date=spec.birth_date,
                sex=spec.sex,
                address=spec.address,
                postal_code=spec.postal_code,
                phone=spec.phone,
                education=spec.education,
                institution=spec.institution,
                position=spec.position,
                job_address=spec.job_address,
                job_phone=spec.job_phone,
            )
            profile.full_clean()
            profile.save()
        self._tally("candidate profiles", created)
        if Assessment.objects.filter(candidate=user, scheme_version=self.version).exists():
            self._tally("assessments", created=False)
            return None
        assessment = services.application_start(
            candidate=user, scheme_version=self.version, purpose=spec.purpose
        )
        self._tally("assessments", created=True)
        return Walk(self, assessment, spec)

    def _bank_questions(self) -> None:
        scheme = self.version.scheme
        for instrument, unit_code, text, expected in BANK_QUESTIONS:
            _question, created = BankQuestion.objects.get_or_create(
                scheme=scheme,
                instrument=instrument,
                text=text,
                defaults={"unit_code": unit_code, "expected_answer": expected},
            )
            self._tally("bank questions", created)

    def _declare_impartiality(self) -> None:
        """Each assigned assessor declares "no relationship" for their candidates placed so far
        (impartiality_declare takes the whole event at once, as the declaration page does)."""
        declared = ImpartialityDeclaration.objects.values("assessment_id")
        late = [spec.email for spec in CANDIDATES if spec.late]
        for event in self.events.values():
            for assessor in event.assessors.order_by("pk"):
                pending = list(
                    event.assessments.filter(assessor=assessor)
                    .exclude(state__in=Assessment.TERMINAL_STATES)
                    .exclude(pk__in=declared.filter(assessor=assessor))
                    .exclude(candidate__email__in=late)
                    .values_list("pk", flat=True)
                )
                if not pending:
                    continue
                none = ImpartialityDeclaration.Relationship.NONE
                made = services.impartiality_declare(
                    event_id=event.pk,
                    actor=assessor,
                    declarations=dict.fromkeys(pending, (none, "")),
                )
                for _declaration in made:
                    self._tally("impartiality declared", created=True)

    # --- scheme, venues, events ------------------------------------------------------------

    def _structure(self) -> list[tuple]:
        """(unit, its elements, its KUK ids) for every unit of the demo scheme, in order."""
        units = list(self.version.units())
        elements = list(Element.objects.filter(unit__in=units).order_by("unit_id", "number"))
        criteria = Criterion.objects.filter(element__in=elements).order_by(
            "element__unit_id", "element__number", "position", "number"
        )
        kuk: dict[int, list[int]] = {}
        for criterion_id, unit_id in criteria.values_list("pk", "element__unit_id"):
            kuk.setdefault(unit_id, []).append(criterion_id)
        return [
            (unit, [e for e in elements if e.unit_id == unit.pk], kuk.get(unit.pk, []))
            for unit in units
        ]

    def _scheme_version(self) -> SchemeVersion:
        """The demo scheme, imported from the project's copy of the data and published.

        The import runs twice: once to get the draft, which receives the required documents and
        the fee the JSON leaves out (a published version is never edited), then with
        ``--publish``; that second import of the same file changes nothing and publishes the
        draft. Once the scheme has a published version it is left alone.
        """
        path = Path(settings.KOMPETEN_SEED_DATA_DIR) / SCHEME_FILE
        number = json.loads(path.read_text(encoding="utf-8"))["number"]
        versions = SchemeVersion.objects.filter(scheme__number=number)
        published = versions.published().first()
        if published is not None:
            self._tally("scheme versions", created=False)
            return published
        call_command("import_scheme", str(path), stdout=io.StringIO())
        draft = versions.get(status=SchemeVersion.Status.DRAFT)
        filled = {
            "required_documents": draft.required_documents or DEFAULT_REQUIRED_DOCUMENTS,
            "fee": draft.fee or DEFAULT_FEE,
        }
        changed = [name for name, value in filled.items() if getattr(draft, name) != value]
        if changed:
            draft.guard_mutable()
            for name in changed:
                setattr(draft, name, filled[name])
            self._save(draft, changed, "documents and fee set")
        call_command("import_scheme", str(path), "--publish", stdout=io.StringIO())
        self._tally("scheme versions", created=True)
        return versions.published().get()

    def _tuk(self, spec: TUKSpec) -> TUK:
        tuk = TUK.objects.filter(code=spec.code).first()
        if tuk is None:
            tuk = TUK(
                code=spec.code,
                name=spec.name,
                tuk_type=spec.tuk_type,
                address=spec.address,
                city=spec.city,
                time_zone=spec.time_zone,
                contact_name=spec.contact_name,
                contact_phone=spec.contact_phone,
                verification_status=TUK.Verification.SESUAI,
                verified_on=self.today - datetime.timedelta(days=spec.verified_days_ago),
                verified_by=self.admin,
            )
            tuk.full_clean()
            self._save_new(tuk)
            self._tally("TUK", created=True)
        else:
            self._tally("TUK", created=False)
        return tuk

    def _event(self, spec: EventSpec) -> tuple[AssessmentEvent, bool]:
        event = AssessmentEvent.objects.filter(code=spec.code).first()
        created = event is None
        if created:
            tuk = self.tuks[spec.tuk_code]
            zone = zoneinfo.ZoneInfo(tuk.time_zone)
            day = self.today + datetime.timedelta(days=spec.days_from_today)
            event = AssessmentEvent(
                code=spec.code,
                name=spec.name,
                scheme_version=self.version,
                tuk=tuk,
                starts_at=datetime.datetime.combine(day, EVENT_HOURS[0], tzinfo=zone),
                ends_at=datetime.datetime.combine(day, EVENT_HOURS[1], tzinfo=zone),
                quota=spec.quota,
            )
            event.full_clean(exclude=["status"])
            self._save_new(event)
            event.open()
            self._save(event, ["status"], "registration opened")
        self._tally("events", created)
        for key in spec.assessors:
            self._assign(event, self.assessors[key])
        return event, created

    def _assign(self, event: AssessmentEvent, assessor: User) -> None:
        """Assign an assessor the way the rules demand: licence valid on the event's date and
        the scheme in scope (the demo must not show what the system forbids)."""
        if EventAssessor.objects.filter(event=event, assessor=assessor).exists():
            self._tally("event assessors", created=False)
            return
        profile = assessor.assessor_profile
        if not profile.licence_valid_on(event.local_starts_at.date()):
            raise CommandError(f"{profile} has no valid licence on {event.code}'s date.")
        if not profile.scope.filter(pk=event.scheme_version.scheme_id).exists():
            raise CommandError(f"{profile} is not licensed for {event.scheme_version}.")
        self._save_new(EventAssessor(event=event, assessor=assessor, assigned_by=self.admin))
        self._tally("event assessors", created=True)

    def _finish_event(self, event: AssessmentEvent, spec: EventSpec) -> None:
        if spec.final_status == AssessmentEvent.Status.DONE:
            event.close()
            self._save(event, ["status"], "registration closed")
            event.finish()
            self._save(event, ["status"], "event held")

    # --- saving with an audit reason ---------------------------------------------------------

    def _save_new(self, obj) -> None:
        obj._change_reason = SEED_REASON
        obj._history_user = self.admin
        obj.save()

    def _save(self, obj, fields: list[str], reason: str) -> None:
        obj._change_reason = f"{reason} ({SEED_REASON})"
        obj._history_user = self.admin
        obj.save(update_fields=fields)


# --- the demo's files ----------------------------------------------------------------------------


def _pdf_bytes(title: str) -> bytes:
    """A tiny valid one-page PDF showing ``title`` (no scripts: check_upload accepts it)."""
    text = title.encode("latin-1", "replace").replace(b"\\", b"").replace(b"(", b"[")
    text = text.replace(b")", b"]")
    stream = b"BT /F1 14 Tf 56 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _photo_bytes(initials: str) -> bytes:
    """A 3x4 pas foto stand-in: a plain PNG with the candidate's initials."""
    image = Image.new("RGB", (150, 200), (180, 205, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((45, 40, 105, 100), fill=(120, 140, 170))
    draw.rectangle((30, 115, 120, 200), fill=(120, 140, 170))
    draw.text((62, 62), initials, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


# --- walking an assessment through the services --------------------------------------------------


class Walk:
    """One new demo assessment, taken state by state along ``PATHS`` through the services a
    person would use on each step (the candidate's pages, the admin's verification, the
    assessor's steps, the pleno and the certificate register)."""

    def __init__(self, seeder: "Seeder", assessment: Assessment, spec: CandidateSpec) -> None:
        self.seeder, self.spec = seeder, spec
        self.pk = assessment.pk
        self.candidate = assessment.candidate
        self.assessor = seeder.assessors.get(spec.assessor)
        self.remaining = list(PATHS[spec.state])
        self.evidence: dict[int, int] = {}  # unit id -> its portfolio evidence id

    def advance(self, until: str | None = None) -> None:
        """Reach the next states of the path, stopping after ``until`` when it is on the way."""
        while self.remaining:
            state = self.remaining.pop(0)
            getattr(self, f"_reach_{state}")()
            if state == until:
                return

    @property
    def admin(self) -> User:
        return self.seeder.admin

    # --- the candidate's application and the admin's verification -----------------------------

    def _reach_submitted(self) -> None:
        assessment = Assessment.objects.select_related("scheme_version").get(pk=self.pk)
        name = self.candidate.full_name
        initials = "".join(part[0] for part in name.split()[:2]).upper()
        for kind in services.required_document_kinds(assessment):
            label = DocumentKind(kind).label
            if kind == DocumentKind.PHOTO:
                upload = SimpleUploadedFile("pas-foto.png", _photo_bytes(initials), "image/png")
            else:
                content = _pdf_bytes(f"{label} - {name}")
                upload = SimpleUploadedFile(f"{kind}.pdf", content, "application/pdf")
            services.document_upload(
                assessment_id=self.pk, actor=self.candidate, kind=kind, uploaded=upload
            )
        for unit, elements, _criteria in self.seeder.structure:
            title = f"Portofolio proyek {unit.code}: {unit.title}"
            upload = SimpleUploadedFile(
                f"portofolio-{_slug(unit.code)}.pdf",
                _pdf_bytes(f"{title} - {name}"),
                "application/pdf",
            )
            evidence = services.evidence_upload(
                assessment_id=self.pk,
                actor=self.candidate,
                title=title,
                description="Kode sumber, tangkapan layar dan dokumentasi proyek di tempat kerja.",
                uploaded=upload,
            )
            self.evidence[unit.pk] = evidence.pk
            for element in elements:
                services.self_assessment_save(
                    assessment_id=self.pk,
                    actor=self.candidate,
                    element_id=element.pk,
                    answer=SelfAssessment.Answer.K,
                    evidence_ids=[evidence.pk],
                )
        services.application_submit(assessment_id=self.pk, actor=self.candidate)

    def _check_documents(self, *, failing: str = "") -> None:
        documents = ApplicationDocument.objects.filter(
            assessment_id=self.pk, replaced_at__isnull=True
        ).exclude(kind=DocumentKind.PAYMENT)
        checks = {d.pk: (True, d.kind != failing) for d in documents}
        services.application_check_documents(assessment_id=self.pk, actor=self.admin, checks=checks)

    def _reach_returned(self) -> None:
        self._check_documents(failing=DocumentKind.KTP)
        services.application_return(
            assessment_id=self.pk,
            actor=self.admin,
            note=NOTES["return"],
            sections=RETURNED_SECTIONS,
        )

    def _reach_accepted(self) -> None:
        self._check_documents()
        services.application_confirm_payment(assessment_id=self.pk, actor=self.admin)
        services.application_accept(assessment_id=self.pk, actor=self.admin, note=NOTES["accept"])

    def _reach_rejected(self) -> None:
        services.application_reject(assessment_id=self.pk, actor=self.admin, note=NOTES["reject"])

    def _reach_withdrawn(self) -> None:
        services.application_withdraw(
            assessment_id=self.pk, actor=self.candidate, reason=NOTES["withdraw"]
        )

    def _reach_scheduled(self) -> None:
        services.assessment_schedule(
            assessment_id=self.pk,
            actor=self.admin,
            event=self.seeder.events[self.spec.event],
            assessor=self.assessor,
        )

    def _reach_absent(self) -> None:
        services.assessment_mark_absent(
            assessment_id=self.pk, actor=self.admin, note=NOTES["absent"]
        )

    # --- the assessor's steps --------------------------------------------------------------------

    def _reach_cleared(self) -> None:
        services.review_apl02(
            assessment_id=self.pk, actor=self.assessor, proceed=True, note=NOTES["clear"]
        )

    def _reach_prepared(self) -> None:
        for signer in (self.candidate, self.assessor):
            services.consent_sign(
                assessment_id=self.pk, actor=signer, typed_name=signer.full_name, agreed=True
            )
        workplace = self.seeder.events[self.spec.event].tuk.tuk_type == TUK.Type.TEMPAT_KERJA
        plans = {
            unit.pk: (
                [UnitPlan.EvidenceType.L, UnitPlan.EvidenceType.TL],
                [Instrument.IA01, Instrument.IA03, Instrument.IA08],
                "",
            )
            for unit, _elements, _criteria in self.seeder.structure
        }
        services.plan_save(
            assessment_id=self.pk,
            actor=self.assessor,
            potensi=(
                PreparationRecord.Potensi.WORKPLACE_TRACEABLE
                if workplace
                else PreparationRecord.Potensi.TRAINING_OTHER
            ),
            context=(
                PreparationRecord.Context.WORKPLACE
                if workplace
                else PreparationRecord.Context.SIMULATION
            ),
            purpose_note=NOTES["purpose"],
            unit_plans=plans,
            tuk_ready=dict.fromkeys(services.TUK_CHECKS, True),
            documents_complete=dict.fromkeys(services.DOCUMENT_CHECKS, True),
            adjustments={
                key: {"needed": False, "note": ""} for key in services.AK07_CHARACTERISTICS
            },
        )
        services.preparation_complete(assessment_id=self.pk, actor=self.assessor)

    def _failing_criterion(self) -> int | None:
        """The not-certified candidate misses the first KUK of the scheme's last unit."""
        if self.spec.outcome != "not_certified":
            return None
        return self.seeder.structure[-1][2][0]

    def _reach_in_progress(self) -> None:
        failing = self._failing_criterion()
        for _unit, _elements, criteria in self.seeder.structure:
            for criterion_id in criteria:
                achieved = criterion_id != failing
                services.observation_save(
                    assessment_id=self.pk,
                    actor=self.assessor,
                    criterion_id=criterion_id,
                    achieved=achieved,
                    note="" if achieved else NOTES["tidak"],
                )
        bank = BankQuestion.objects.filter(
            scheme=self.seeder.version.scheme, instrument=Instrument.IA07
        ).order_by("pk")
        first_unit = self.seeder.structure[0][0]
        services.question_record_save(
            assessment_id=self.pk,
            actor=self.assessor,
            unit_id=first_unit.pk,
            instrument=Instrument.IA07,
            question="",
            answer="Validasi di server wajib karena data dari browser bisa diubah pengguna.",
            achieved=True,
            bank_question_id=bank.first().pk,
        )

    def _reach_recommended(self) -> None:
        failing = self._failing_criterion()
        # Filled by _reach_submitted: a walk runs within one seeding run.
        evidence = self.evidence
        for unit, _elements, criteria in self.seeder.structure:
            services.evidence_review_save(
                evidence_id=evidence[unit.pk],
                actor=self.assessor,
                valid=True,
                authentic=True,
                current=True,
                sufficient=True,
                criterion_ids=list(criteria),
            )
            bk = failing in criteria
            services.unit_decide(
                assessment_id=self.pk,
                actor=self.assessor,
                unit_id=unit.pk,
                outcome=UnitDecision.Outcome.BK if bk else UnitDecision.Outcome.K,
                sources=[UnitDecision.Source.OBSERVATION, UnitDecision.Source.PORTFOLIO],
                reason=NOTES["bk_reason"] if bk else "",
                follow_up=NOTES["bk_follow_up"] if bk else "",
            )
            services.feedback_save(
                assessment_id=self.pk,
                actor=self.assessor,
                unit_id=unit.pk,
                strengths=NOTES["strengths"],
                gaps=NOTES["bk_follow_up"] if bk else NOTES["gaps"],
            )
        services.recommendation_submit(assessment_id=self.pk, actor=self.assessor)

    def _reach_reported(self) -> None:
        # The candidate's FR.AK.03 feedback on the assessment, then the assessor's record.
        services.feedback_submit(
            assessment_id=self.pk,
            actor=self.candidate,
            answers=[True] * len(AK03_ITEMS),
            comments=[""] * len(AK03_ITEMS),
            notes="Proses asesmen jelas dan asesor komunikatif.",
        )
        services.report_submit(assessment_id=self.pk, actor=self.assessor)

    def _reach_reopened(self) -> None:
        services.assessment_reopen(assessment_id=self.pk, actor=self.admin, reason=NOTES["reopen"])

    # --- the pleno and the certificate ----------------------------------------------------------

    def _reach_decided(self) -> None:
        certified = self.spec.outcome in ("certified", "suspended")
        decision = services_certification.decision_make(
            assessment_id=self.pk,
            actor=self.seeder.decision_maker,
            certified=certified,
            basis=NOTES["decide_certified" if certified else "decide_not"],
        )
        if not certified:
            return
        certificate = services_certification.certificate_issue(
            decision_id=decision.pk, actor=self.admin
        )
        if self.spec.outcome == "suspended":
            services_certification.certificate_suspend(
                certificate_id=certificate.pk,
                actor=self.seeder.decision_maker,
                reason=NOTES["suspend"],
            )
