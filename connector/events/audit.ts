/**
 * Audit events: what an admin or an auditor must be able to read back — who enrolled or revoked a
 * device, who created or revoked a token, who changed a policy or the OS catalog, and each sign-in
 * decision. They are caused by authenticated actions, so their rate is the installation's own.
 * Retention keeps them apart from everything else (rejection noise, per-snapshot events): the
 * row cap bounds each class on its own, so no flood of rejections can push an audit event out.
 */
export const AUDIT_EVENT_TYPES: readonly string[] = [
  "device.enrolled",
  "device.revoked",
  "token.created",
  "token.revoked",
  "policy.created",
  "device.assurance.policy.add",
  "device.assurance.policy.update",
  "device.assurance.policy.delete",
  "os_catalog.imported",
  "signin.decision",
];
