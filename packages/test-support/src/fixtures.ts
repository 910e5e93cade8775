// Manifests shared by several packages' tests. Key material in them is generated when
// they are loaded, never checked in.
import { readFile } from 'node:fs/promises';
import { certificatesForPlaceholders, fillCertificatePlaceholders, type TestCertificate } from './certs.js';

export interface Fixture {
  /** The manifests, placeholders filled. */
  text: string;
  /** Generated certificates by placeholder name. */
  certificates: Map<string, TestCertificate>;
}

/** Loads fixtures/<name> (e.g. `https.yaml`) with freshly generated certificates. */
export async function loadFixture(name: string): Promise<Fixture> {
  const template = await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
  const certificates = await certificatesForPlaceholders(template);
  return { text: fillCertificatePlaceholders(template, certificates), certificates };
}
