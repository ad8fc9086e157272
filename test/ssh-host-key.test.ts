import { utils } from 'ssh2';
import { SSH_HOST_KEY } from '../local/ssh-host-key';

test('the shared SSH host key is one that ssh2 can parse', () => {
  const parsed = utils.parseKey(SSH_HOST_KEY);
  expect(parsed).not.toBeInstanceOf(Error);
  expect((parsed as { type: string }).type).toBe('ssh-ed25519');
});
