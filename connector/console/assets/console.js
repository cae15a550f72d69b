// The console's only script: waits for a refreshed device's new snapshot and then shows it.
// Everything else works without JavaScript (plain links and forms).
const waiting = document.querySelector("[data-await-seq]");
if (waiting) {
  const after = Number(waiting.getAttribute("data-await-seq"));
  const id = waiting.getAttribute("data-device");
  const base = `/console/devices/${encodeURIComponent(id)}`;
  const deadline = Date.now() + 90_000;
  const poll = async () => {
    try {
      const res = await fetch(`${base}/state`, { headers: { accept: "application/json" }, credentials: "same-origin" });
      if (res.ok) {
        const state = await res.json();
        if (state.lastSeq > after) {
          location.assign(`${base}?arrived=${state.lastSeq}#history-h`);
          return;
        }
      }
    } catch {
      // A failed poll is retried until the deadline.
    }
    if (Date.now() < deadline) setTimeout(poll, 1000);
    else waiting.textContent = "No new snapshot arrived within 90 seconds. The agent may be busy or offline; reload to check again.";
  };
  setTimeout(poll, 500);
}
