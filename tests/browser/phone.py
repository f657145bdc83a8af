"""A partner on a phone, for the self-service task tests: starts on the
dashboard, touches only controls they can see, and counts the taps."""

from playwright.sync_api import Locator, Page, expect

#: The promise to partners: every common task within three taps of the dashboard.
MAX_TAPS = 3
#: Task name → the taps it took, printed at the end of the run.
TAP_LOG: dict[str, list[str]] = {}


def open_from_dashboard(page: Page, link: str) -> None:
    """Go to the dashboard and tap ``link`` there, for a test about the page
    it opens rather than about reaching it (no taps counted)."""
    page.goto("/dashboard/")
    page.get_by_role("link", name=link).filter(visible=True).first.tap()


class Phone:
    """Taps, ticks and choices count (each is a touch on the screen);
    typing into a field does not. Each counted step waits for the control to
    be visible, so a test cannot pass by reaching into hidden markup."""

    def __init__(self, page: Page, task: str):
        self.page = page
        self.task = task
        self.taps: list[str] = []
        TAP_LOG[task] = self.taps

    def open_dashboard(self) -> None:
        """Where every task starts (the address a partner lands on after logging in)."""
        self.page.goto("/dashboard/")
        expect(self.page.locator("main h1")).to_be_visible()

    def _touch(self, control: Locator, what: str) -> Locator:
        """The first visible control of those matching (a page may offer the
        same link twice, say in the menu and in the content)."""
        visible = control.filter(visible=True).first
        expect(visible, f"{what} should be visible").to_be_visible()
        self.taps.append(what)
        return visible

    def tap(self, control: Locator, what: str) -> None:
        self._touch(control, what).tap()

    def tick(self, checkbox: Locator, what: str) -> None:
        self._touch(checkbox, what).check()

    def choose(self, select: Locator, option: str, what: str) -> None:
        """Pick ``option`` (its visible label) in a list; one tap, however the phone shows the list."""
        self._touch(select, what).select_option(label=option)

    def type(self, field: Locator, text: str) -> None:
        expect(field).to_be_visible()
        field.fill(text)

    def type_all(self, fields: dict[str, str]) -> None:
        """Type into each field named by its label (label → text), in order."""
        for label, text in fields.items():
            self.type(self.page.get_by_label(label), text)

    def tap_to_page(self, link: str, heading: str | None = None) -> None:
        """Tap the link named ``link`` and wait for the page it opens, whose
        main heading is ``heading`` (the link's own words unless given)."""
        self.tap(self.page.get_by_role("link", name=link), link)
        expect(self.page.get_by_role("heading", level=1, name=heading or link)).to_be_visible()

    def open_co_branded_email(self, *, content: str, template_title: str, organization) -> None:
        """Content (``content``, the menu's word for it) → Marketing → the
        template: its email text, ready to copy, already carries the
        partner's own name and contact address."""
        self.tap(self.page.get_by_role("link", name=content, exact=True), content)
        self.tap(self.page.get_by_role("link", name="Marketing", exact=True), "Marketing")
        self.tap(self.page.get_by_role("link", name=template_title), template_title)
        expect(self.page.get_by_role("heading", level=1, name=template_title)).to_be_visible()
        email_text = self.page.get_by_role("textbox").filter(has_text=organization.name)
        expect(email_text).to_be_visible()
        expect(email_text).to_contain_text(organization.contact_email)

    def assert_within_reach(self) -> None:
        assert len(self.taps) <= MAX_TAPS, (
            f"{self.task} took {len(self.taps)} taps from the dashboard (at most {MAX_TAPS}): {' → '.join(self.taps)}"
        )
