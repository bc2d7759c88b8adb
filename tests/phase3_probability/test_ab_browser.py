"""The A/B dashboard in a real headless Chromium (selenium + the system's chromium-driver).

The real app runs under waitress on a free port in a thread; the browser fills the form (or picks
a CSV), submits, and the numbers it reads off the page equal what ``ab_testing.py`` prints for the
same input. Bad input shows a readable message in the page, marks the field, and breaks nothing:
the next good submission works. Skipped, with the reason, where no Chromium or driver is installed
(``.ci/run`` installs them: apt-get install chromium chromium-driver).
"""

import shutil
import threading

import pytest

from phase3_probability import ab_testing as ab
from phase3_probability.ab_dashboard import app as dashboard
from tests.conftest import REPO

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
from selenium.common.exceptions import TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BROWSER = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(BROWSER is None or DRIVER is None,
                                reason="no Chromium and chromedriver on this machine "
                                       "(apt-get install chromium chromium-driver)")
SAMPLE = REPO / "phase3_probability" / "ab_dashboard" / "static" / "sample_events.csv"
WAIT = 15   # seconds the browser may take to show an answer (polled, not slept)


@pytest.fixture(scope="module")
def url():
    server = dashboard.make_server(ab, port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/"
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,800"):          # the learner's 1280x800 desktop
        options.add_argument(flag)
    try:
        driver = webdriver.Chrome(options=options, service=Service(DRIVER))   # the system's driver: no download
    except WebDriverException as exc:
        pytest.skip(f"Chromium is installed but does not start here: {exc.msg}")
    yield driver
    driver.quit()


def cli_lines(run_main, tmp_path, *args) -> list[str]:
    res = run_main(ab.main, *args, "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    return res.stdout.split("\nSaved: ")[0].rstrip("\n").split("\n")


def line_after(lines: list[str], prefix: str) -> str:
    """The rest of the CLI line that starts (after indentation) with ``prefix``."""
    return next(line.strip()[len(prefix):] for line in lines if line.strip().startswith(prefix))


def type_into(driver, field_id: str, text: str) -> None:
    box = driver.find_element(By.ID, field_id)
    box.clear()
    box.send_keys(text)


def wait_for(driver, condition, what: str):
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(lambda d: condition(d))
    except TimeoutException:
        raise AssertionError(f"the page never showed {what}") from None


def text_of(driver, element_id: str) -> str:
    # textContent: also for text inside a closed <details> (what selenium's .text leaves out)
    return driver.find_element(By.ID, element_id).get_attribute("textContent")


def shown_error(driver, box_id: str = "error") -> str:
    box = driver.find_element(By.ID, box_id)
    return box.text if box.is_displayed() else ""


def painted_pixels(driver, canvas_id: str) -> int:
    """How many pixels of a canvas are not white: the chart was drawn."""
    return driver.execute_script("""
        const c = document.getElementById(arguments[0]);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
        return n;""", canvas_id)


def severe_console_errors(driver) -> list[str]:
    try:
        return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
                and "status of 4" not in e["message"]]          # a 4xx answer is expected for bad input
    except WebDriverException:                                  # a driver without logs: nothing to check
        return []


def test_form_numbers_equal_the_cli(browser, url, run_main, tmp_path):
    browser.get(url)
    for field, value in (("control-visitors", "12000"), ("control-conversions", "540"),
                         ("treatment-visitors", "11800"), ("treatment-conversions", "610"),
                         ("alpha", "0.05"), ("power", "0.9"), ("experiments", "2000"), ("looks", "10")):
        type_into(browser, field, value)
    browser.find_element(By.ID, "analyse").click()
    wait_for(browser, lambda d: text_of(d, "fpr-peeking"), "the peeking simulation")

    cli = cli_lines(run_main, tmp_path, "--control", 12000, 540, "--treatment", 11800, 610, "--power", 0.9,
                    "--simulate", "--experiments", 2000, "--looks", 10)
    assert text_of(browser, "z") == line_after(cli, "Test statistic: z = ").split()[0]
    p_value, exact = line_after(cli, "P-value: ").split("  (two-sided; ")
    assert text_of(browser, "p-value") == p_value and text_of(browser, "p-value-exact") == exact.rstrip(")")
    assert text_of(browser, "ci-difference") == line_after(cli, "95% CI for difference: ").split(" percentage")[0]
    assert text_of(browser, "ci-lift") == line_after(cli, "95% CI for lift: ")
    assert text_of(browser, "power-value") == line_after(cli, "Power for this lift at these sample sizes: ")
    assert text_of(browser, "n-for-power") == line_after(cli, "Visitors per group for 90% power: ")
    assert text_of(browser, "decision") == next(line for line in cli if line.startswith("Conclusion: "))
    start = next(i for i, line in enumerate(cli) if line.startswith("=== Simulation"))
    assert text_of(browser, "report").split("\n") == cli[:start - 1]            # the whole report, line for line
    assert text_of(browser, "simulation-report").split("\n") == cli[start:]
    assert text_of(browser, "fpr-peeking") == line_after(cli, "False-positive rate, peeking at 10 looks and "
                                                              "stopping at p < 0.05: ")
    for chart in ("sampling-chart", "ci-chart", "peeking-chart"):
        assert painted_pixels(browser, chart) > 2000, chart
    assert shown_error(browser) == "" and severe_console_errors(browser) == []


@pytest.mark.parametrize("field,value,fragment", [
    ("control-conversions", "abc", "whole number"),
    ("control-visitors", "", "empty"),
    ("treatment-conversions", "9999", "more conversions"),
    ("treatment-visitors", "-5", "at least 1 visitor"),
    ("alpha", "1.5", "between 0 and 1"),
])
def test_bad_input_shows_a_message_and_the_page_keeps_working(browser, url, field, value, fragment):
    browser.get(url)
    type_into(browser, "experiments", "500")          # the simulation after the good analysis: kept small
    type_into(browser, field, value)
    browser.find_element(By.ID, "analyse").click()
    message = wait_for(browser, lambda d: shown_error(d), "an error message")
    assert fragment in message
    assert "invalid" in browser.find_element(By.ID, field).get_attribute("class")
    assert not browser.find_element(By.ID, "results").is_displayed()
    # put a good value back: the page analyses, the message goes
    type_into(browser, field, {"control-conversions": "203", "control-visitors": "4532",
                               "treatment-conversions": "248", "treatment-visitors": "4621", "alpha": "0.05"}[field])
    browser.find_element(By.ID, "analyse").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "results").is_displayed(), "the results")
    assert text_of(browser, "z") == f"{ab.analyse(4532, 203, 4621, 248).z:.2f}"
    assert shown_error(browser) == "" and severe_console_errors(browser) == []


def test_csv_upload_equals_the_cli_and_bad_files_say_why(browser, url, run_main, tmp_path):
    browser.get(url)
    type_into(browser, "experiments", "500")
    browser.find_element(By.ID, "file").send_keys(str(SAMPLE))
    browser.find_element(By.ID, "upload").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "results").is_displayed(), "the results of the upload")
    cli = cli_lines(run_main, tmp_path, "--csv", SAMPLE)
    assert text_of(browser, "report").split("\n") == cli
    assert browser.find_element(By.ID, "control-visitors").get_attribute("value") == \
        line_after(cli, "Control (A): ").split()[0].replace(",", "")

    bad = tmp_path / "bad.csv"
    bad.write_text("variant,clicked\nA,1\nB,0\n")
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b"group,converted\n" + b"A,1\nB,0\n" * (dashboard.MAX_UPLOAD_BYTES // 8 + 10))
    for path, fragment in ((bad, "column 'group' not found"), (huge, "too large")):
        browser.get(url)
        browser.find_element(By.ID, "file").send_keys(str(path))
        browser.find_element(By.ID, "upload").click()
        assert fragment in wait_for(browser, lambda d: shown_error(d), f"the message for {path.name}")
    browser.get(url)
    browser.find_element(By.ID, "upload").click()            # no file chosen
    assert "choose a CSV file" in wait_for(browser, lambda d: shown_error(d), "the no-file message")
    assert severe_console_errors(browser) == []
