/**
 * macOS hardware: systeminformation reads `ioreg -rd1 -c IOPlatformExpertDevice` and
 * `system_profiler SPHardwareDataType`; readable without root. Only the reason text differs here.
 */
export const darwinUnavailableReason = "not reported by ioreg/system_profiler";
