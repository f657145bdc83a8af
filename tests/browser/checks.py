"""Checks any partner page must pass on a phone, each returning what a person
would need to fix (an empty list when the page passes), so a test can run
them all and report every problem at once."""

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: axe impacts that fail a page (minor and moderate ones are left to review).
BLOCKING_IMPACTS = ("serious", "critical")
#: Apple's 44-point touch target, the portal's rule for every control.
MIN_TAP_TARGET_PX = 44

_AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => `${node.target.join(" ")} ${node.html.slice(0, 80)}`),
    }));
}"""


def axe_violations(page: Page) -> list[str]:
    """Serious and critical WCAG problems axe-core finds on the page as shown."""
    if not AXE_SOURCE.exists():
        raise RuntimeError(f"{AXE_SOURCE} is missing: run `make install` (npm ci installs axe-core).")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=AXE_SOURCE)
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at {'; '.join(violation['targets'][:5])}"
        for violation in page.evaluate(_AXE_RUN)
        if violation["impact"] in BLOCKING_IMPACTS
    ]


_OVERFLOW = """() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const wide = [...document.body.querySelectorAll("*")].filter((element) => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && box.right > width + 1;
    });
    // The innermost ones are the culprits; their ancestors only inherit the width.
    const culprits = wide.filter((element) => !wide.some((other) => other !== element && element.contains(other)));
    return [`page is ${document.documentElement.scrollWidth} px wide in a ${width} px viewport`].concat(
        culprits.slice(0, 5).map((element) =>
            `${element.tagName.toLowerCase()}${element.className ? "." + [...element.classList].join(".") : ""}` +
            ` reaches ${Math.round(element.getBoundingClientRect().right)} px`));
}"""


def wider_than_viewport(page: Page) -> list[str]:
    """Whether the page scrolls sideways (document wider than the viewport), and what sticks out."""
    return page.evaluate(_OVERFLOW)


_SMALL_TARGETS = """(minimum) => {
    const interactive = [
        "a[href]", "button", "input:not([type=hidden])", "select", "textarea", "summary",
        "[role=button]", "[role=link]", "[role=tab]", "[role=menuitem]", "[role=checkbox]", "[role=switch]",
        "[tabindex]:not([tabindex='-1'])",
    ].join(",");
    const describe = (element) => {
        const name = (element.getAttribute("aria-label") || element.innerText || element.value ||
                      element.getAttribute("name") || element.getAttribute("title") || "").trim().slice(0, 40);
        const type = element.type && element.tagName !== "A" ? `[${element.type}]` : "";
        const kind = element.tagName.toLowerCase() + type;
        return `${kind} "${name}"`;
    };
    // WCAG 2.5.8's inline exception: a link inside a sentence of running
    // text is sized by that text. Lists of links, buttons and fields are not.
    const inSentence = (element) => {
        if (element.tagName !== "A" || getComputedStyle(element).display !== "inline") return false;
        const paragraph = element.closest("p");
        if (!paragraph) return false;
        let text = "";
        for (const node of paragraph.childNodes) {
            if (node.nodeType === Node.TEXT_NODE) text += node.textContent;
            else if (node.nodeType === Node.ELEMENT_NODE && !node.matches(interactive)
                     && !node.querySelector(interactive)) text += node.textContent;
        }
        return /\\p{L}{2,}/u.test(text);
    };
    const pseudoArea = (element, pseudo) => {
        const style = getComputedStyle(element, pseudo);
        if (style.content === "none" || !["absolute", "fixed"].includes(style.position)) return null;
        const container = style.position === "fixed" ? null : element.offsetParent;
        const outer = container ? container.getBoundingClientRect()
                                : {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
        const inset = (side) => (style[side].endsWith("px") ? parseFloat(style[side]) : null);
        const [top, right, bottom, left] = ["top", "right", "bottom", "left"].map(inset);
        if ([top, right, bottom, left].includes(null)) return null;
        return {width: outer.right - right - (outer.left + left), height: outer.bottom - bottom - (outer.top + top)};
    };
    const small = [];
    for (const element of document.querySelectorAll(interactive)) {
        let box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        // Not on screen for a finger: hidden, or clipped to a pixel for screen readers only.
        if (style.visibility === "hidden" || box.width <= 1 || box.height <= 1) continue;
        if (inSentence(element)) continue;
        // A "stretched link" (an absolutely placed ::before/::after over its
        // card) is tapped anywhere on the area that pseudo-element covers.
        for (const pseudo of ["::before", "::after"]) {
            const area = pseudoArea(element, pseudo);
            if (area && area.width >= box.width && area.height >= box.height) box = area;
        }
        // A checkbox or radio button is tapped through its label too: the larger one counts.
        for (const label of ["checkbox", "radio"].includes(element.type) ? element.labels : []) {
            const labelBox = label.getBoundingClientRect();
            if (labelBox.width >= box.width && labelBox.height >= box.height) box = labelBox;
        }
        if (box.width < minimum || box.height < minimum)
            small.push(`${describe(element)} is ${Math.round(box.width)}×${Math.round(box.height)} px`);
    }
    return small;
}"""


def small_tap_targets(page: Page, minimum: int = MIN_TAP_TARGET_PX) -> list[str]:
    """Visible controls a finger cannot hit reliably (under ``minimum`` CSS px either way)."""
    return page.evaluate(_SMALL_TARGETS, minimum)


def phone_page_problems(page: Page) -> list[str]:
    """Every check above, labelled, for a page as it is now."""
    return [
        *(f"axe {problem}" for problem in axe_violations(page)),
        *(f"width: {problem}" for problem in wider_than_viewport(page)),
        *(f"tap target: {problem}" for problem in small_tap_targets(page)),
    ]


def assert_phone_ready(page: Page, where: str) -> None:
    """The page as loaded passes every check; a failure names the page and lists each problem."""
    page.wait_for_load_state("load")
    problems = phone_page_problems(page)
    assert not problems, f"{where} ({page.url}):\n" + "\n".join(problems)


def assert_form_errors_explained(page: Page, *, kept: dict[str, str]) -> Locator:
    """A form sent back with errors: the error summary is shown and focused
    (a screen reader starts there), what was typed is still in its fields
    (``kept``: label → text), and the page passes the phone checks. Returns
    the summary, for the test to check what it names."""
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    for label, text in kept.items():
        expect(page.get_by_label(label)).to_have_value(text)
    assert_phone_ready(page, "form with errors")
    return summary
