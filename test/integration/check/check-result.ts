import type { CheckReport, CheckResult } from '../../../src/check/check-report.js';

/** The one result of `check` for `service` in a report; a missing one fails the test by name. */
export function result(report: CheckReport, service: string, check: CheckResult['check']): CheckResult {
  const found = report.results.find((r) => r.service === service && r.check === check);
  if (!found) throw new Error(`no ${check} result for ${service}`);
  return found;
}
