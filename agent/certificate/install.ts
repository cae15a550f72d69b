/**
 * The seam between getting a device certificate (keeper.ts) and putting it where browsers look.
 * The keeper calls `install(certPem, keyPem)` with every new certificate, and once at agent start
 * with the current one (a user may have logged in since, a store may have been reset).
 *
 * agent/certificate/browser-stores.ts's `browserStoreInstaller` is the real one (NSS, keychain,
 * CurrentUser\My); `runAgent({ deviceCertificate: { installer } })` takes it. The default does nothing, so an
 * agent embedded in tests or run unprivileged never touches a user's browser profile by surprise.
 */
export interface CertificateInstaller {
  /** Never expected to throw; a throw is logged and the certificate stays on disk regardless. */
  install(certPem: string, keyPem: string): Promise<unknown>;
}

export const noopInstaller: CertificateInstaller = {
  async install() {
    return { installed: false, reason: "no certificate installer configured" };
  },
};
