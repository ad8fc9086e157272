/**
 * One SSH host key for every local SSH server (the fake instance, the SSH check tests).
 *
 * ssh2 1.17 cannot parse about 1 in 250 of the ed25519 keys it generates itself
 * (`Cannot parse privateKey: Malformed OpenSSH private key`), so a key generated per server
 * made a build fail by chance. This key was generated once, checked with `utils.parseKey`,
 * and is reused; `test/ssh-host-key.test.ts` proves that it parses. It protects nothing:
 * the servers that use it listen on 127.0.0.1 during tests only.
 */
export const SSH_HOST_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz
c2gtZWQyNTUxOQAAACBD1yJce3RN+o3Y75oSzOoNhtR1V9LTArNE8tBEc1YocgAA
AIiJt/j9ibf4/QAAAAtzc2gtZWQyNTUxOQAAACBD1yJce3RN+o3Y75oSzOoNhtR1
V9LTArNE8tBEc1YocgAAAEAkHkuQyxGLf9PVZ/OJf4K2xyySPP3GFrVxB6MiK9f3
kEPXIlx7dE36jdjvmhLM6g2G1HVX0tMCs0Ty0ERzVihyAAAAAAECAwQF
-----END OPENSSH PRIVATE KEY-----
`;
