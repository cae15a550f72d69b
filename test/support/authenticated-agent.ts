/** A test connector and one enrolled device's agent, authenticated; both closed after the test. */
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { startTestConnector } from "./connector.ts";
import { ProtocolClient, enrollTestDevice } from "./protocol-client.ts";

export async function authenticatedAgent(t: TestContext) {
  const tc = await startTestConnector();
  t.after(() => tc.stop());
  const device = await enrollTestDevice(tc.connector.url, tc.enrollToken);
  const client = await ProtocolClient.connect(tc.connector.agentUrl);
  t.after(() => client.close());
  assert.equal((await client.authenticate(device)).type, "welcome");
  return { tc, device, client };
}
