import path from 'node:path';
import { formatDuration } from '../lib/format.js';
import type { Output } from '../ui/output.js';
import type { CheckReport, CheckResult, Finding } from './check-report.js';

const ICONS: Record<CheckResult['status'], { icon: string; style: 'green' | 'red' | 'yellow' | 'gray' }> = {
  pass: { icon: '✔', style: 'green' },
  fail: { icon: '✖', style: 'red' },
  warn: { icon: '!', style: 'yellow' },
  skip: { icon: '-', style: 'gray' },
};

function where(finding: Finding, root: string): string {
  if (!finding.file) return '';
  const file = path.relative(root, finding.file) || finding.file;
  return finding.line === undefined ? `${file}: ` : `${file}:${finding.line}: `;
}

/** A line per check per service, its findings under it, then the summary. */
export function renderCheckReport(report: CheckReport, output: Output, root: string): void {
  const width = Math.max(...report.results.map((r) => r.service.length));
  for (const result of report.results) {
    const { icon, style } = ICONS[result.status];
    const note = result.status === 'skip' ? output.style('gray', result.note) : result.note;
    output.line(`${output.style(style, icon)} ${result.service.padEnd(width)}  ${result.check.padEnd(13)} ${note}`);
    for (const finding of result.findings) {
      const mark = finding.severity === 'error' ? output.style('red', 'error') : output.style('yellow', 'warning');
      output.line(`    ${mark} ${where(finding, root)}${finding.message}`);
      for (const detail of finding.details ?? []) output.line(`    ${detail}`);
    }
  }
  const { passed, failed, warned, skipped } = report.summary;
  const parts = [
    `${passed} passed`,
    failed > 0 ? output.style('red', `${failed} failed`) : '0 failed',
    ...(warned > 0 ? [output.style('yellow', `${warned} with warnings`)] : []),
    ...(skipped > 0 ? [`${skipped} skipped`] : []),
  ];
  output.line();
  output.line(
    `${report.ok ? output.style('green', '✔') : output.style('red', '✖')} devup check: ${parts.join(', ')} (${formatDuration(report.ms)})`,
  );
}

/** The report as one JSON object, file paths relative to the project root. */
export function checkReportJson(report: CheckReport, root: string): Record<string, unknown> {
  return {
    ...report,
    ms: Math.round(report.ms),
    results: report.results.map((r) => ({
      ...r,
      ms: Math.round(r.ms),
      findings: r.findings.map((f) => ({
        ...f,
        file: f.file === undefined ? undefined : path.relative(root, f.file) || f.file,
      })),
    })),
  };
}

/** GitHub's workflow-command escaping: data and property values. */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/**
 * `::error file=…,line=…,title=…::message` lines, which GitHub Actions shows on the pull
 * request's diff. Paths are relative to the workspace (GITHUB_WORKSPACE, else the cwd).
 */
export function githubAnnotations(report: CheckReport, workspace: string): string[] {
  const lines: string[] = [];
  for (const result of report.results) {
    for (const finding of result.findings) {
      const properties = [
        ...(finding.file ? [`file=${escapeProperty(path.relative(workspace, finding.file))}`] : []),
        ...(finding.line === undefined ? [] : [`line=${finding.line}`]),
        `title=${escapeProperty(`devup check: ${result.service} ${result.check}`)}`,
      ];
      const body = [finding.message, ...(finding.details ?? []).map((d) => d.trim())].join('\n');
      lines.push(`::${finding.severity} ${properties.join(',')}::${escapeData(body)}`);
    }
  }
  return lines;
}
