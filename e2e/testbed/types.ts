// Connection details of test hosts, as handed to tests and printed by the CLI.

export interface TestUser {
  name: string;
  uid?: number;
  /** Private key file (OpenSSH format) that this user accepts. */
  keyPath?: string;
  /** Set when keyPath is encrypted. */
  keyPassphrase?: string;
  /** Set when the user can log in with a password. */
  password?: string;
  /** What `sudo` does for this user: no password, asks for the password, or not allowed. */
  sudo: 'nopasswd' | 'password' | 'none';
  home?: string;
}

export interface TestHost {
  name: string;
  kind: 'sshd' | 'debian';
  address: string;
  port: number;
  users: Record<string, TestUser>;
  containerId?: string;
}
