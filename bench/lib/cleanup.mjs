// Everything the benchmark creates registers an undo step here. The steps are synchronous so
// they also run from signal handlers and from process 'exit'.
const steps = [];
let ran = false;

/** Registers a synchronous undo step; returns a function that runs it now (and unregisters it). */
export function onCleanup(label, fn) {
  const step = { label, fn };
  steps.push(step);
  return () => {
    const index = steps.indexOf(step);
    if (index === -1) return;
    steps.splice(index, 1);
    runStep(step);
  };
}

function runStep(step) {
  try {
    step.fn();
  } catch (error) {
    process.stderr.write(`bench: cleanup "${step.label}" failed: ${error?.message ?? error}\n`);
  }
}

/** Runs every registered step once, newest first. */
export function runCleanup() {
  if (ran) return;
  ran = true;
  while (steps.length > 0) runStep(steps.pop());
}

/** Children in flight, killed (with their process groups) if the benchmark is interrupted. */
export const liveChildren = new Set();

function killChildren() {
  for (const child of liveChildren) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  liveChildren.clear();
}

export function installSignalHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}: cleaning up...\n`);
      killChildren();
      runCleanup();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error?.stack ?? error}\n`);
    killChildren();
    runCleanup();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`bench: unhandled rejection: ${error?.stack ?? error}\n`);
    killChildren();
    runCleanup();
    process.exit(1);
  });
  process.on('exit', () => {
    killChildren();
    runCleanup();
  });
}
