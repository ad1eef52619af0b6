import { UsageError } from '../errors.js';

// Kubernetes' own rules (apimachinery validation, not the OpenAPI schema, which says only "string"):
// a label is at most 63 characters of a-z, 0-9 and "-", alphanumeric at both ends; a Secret's name is
// a subdomain: such labels joined by ".", at most 253 characters.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_MAX = 63;
const SUBDOMAIN_MAX = 253;

/** A Secret's (or any object's) name as Kubernetes accepts it. */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= SUBDOMAIN_MAX && name.split('.').every((part) => DNS_LABEL.test(part));
}

export function isDnsLabel(name: string): boolean {
  return name.length <= LABEL_MAX && DNS_LABEL.test(name);
}

/**
 * The project's name as a DNS label of at most `max` characters: `my_proj` → `my-proj`, `x.` → `x`.
 * Every derived name starts from this one, so the Job, its labels, the Secret and the image agree.
 */
export function dnsStem(project: string, max = LABEL_MAX): string {
  const stem = project
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  // The config's `project` starts with a letter or digit, so the stem is never empty.
  return stem || 'devup';
}

/** The names `devup deploy k8s` prints: all from one stem, each a valid DNS label. */
export function deployNames(project: string): { job: string; app: string; secret: string; image: string } {
  const suffix = '-migrate';
  return {
    job: `${dnsStem(project, LABEL_MAX - suffix.length)}${suffix}`,
    app: dnsStem(project),
    secret: `${dnsStem(project, LABEL_MAX - '-database'.length)}-database`,
    image: `${dnsStem(project, LABEL_MAX - '-migrations'.length)}-migrations:latest`,
  };
}

// An image reference in the grammar of the distribution project (registry[:port]/path[:tag][@digest]),
// written out here because it is small and stable; a library for it would pull in a Docker client.
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE = new RegExp(`^(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*(?::${TAG})?(?:@${DIGEST})?$`);

export function isImageReference(image: string): boolean {
  const name = image.split(/[:@]/)[0] ?? '';
  return name.length <= 255 && IMAGE.test(image);
}

/** `--secret` and `--image` as Kubernetes and a container runtime accept them, else a usage error saying why. */
export function checkDeployFlags(flags: { secret: string; image: string }): void {
  if (!isDnsSubdomain(flags.secret)) {
    throw new UsageError(
      `--secret ${JSON.stringify(flags.secret)}: not a Kubernetes Secret name`,
      `Use lower-case letters, digits, "-" and "." (at most 253 characters, a letter or digit at each end), e.g. ${dnsStem(flags.secret)}.`,
    );
  }
  if (!isImageReference(flags.image)) {
    throw new UsageError(
      `--image ${JSON.stringify(flags.image)}: not an image reference`,
      'Write it as [registry/]name[:tag][@sha256:digest] with a lower-case name, e.g. registry.example.com/shop-migrations:1.4.0.',
    );
  }
}
