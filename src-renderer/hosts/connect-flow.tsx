import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { isProblemCode, type Problem } from '../../src-common/problems.js';
import { toApiError } from '../api/api-error.js';
import { useApi } from '../api/api-context.js';
import { useToast } from '../app/toast.js';
import { decideNextStep, type ChangedHostKey, type NewHostKey , type SecretPurpose } from './connect-decision.js';
import { HostKeyChangedDialog } from './HostKeyChangedDialog.js';
import { HostKeyDialog } from './HostKeyDialog.js';
import { PasswordDialog } from './PasswordDialog.js';
import { setHostConnection } from './use-hosts.js';

/** Secrets for one attempt. They live only in this component's state and die with the prompt. */
interface Credentials {
  password?: string;
  passphrase?: string;
  sudoPassword?: string;
  remember?: boolean;
}

type Prompt =
  | { kind: 'verify-hostkey'; host: HostWithState; key: NewHostKey; credentials: Credentials }
  | { kind: 'hostkey-changed'; host: HostWithState; key: ChangedHostKey; message: string }
  | { kind: 'ask-password'; host: HostWithState; purpose: SecretPurpose; retry: boolean; message: string; credentials: Credentials; seq: number };

interface ConnectFlow {
  connect: (host: HostWithState) => void;
  disconnect: (host: HostWithState) => void;
  /** Hosts with a connect or disconnect call in flight. */
  pending: ReadonlySet<number>;
  /** The host whose new host key the user is being asked to check right now, if any. */
  askingHostKey: number | null;
}

const ConnectFlowContext = createContext<ConnectFlow | null>(null);

/**
 * Runs "connect" for every view: calls hosts.connect and, by the problem code, asks the user to
 * verify a new host key, stops hard on a changed one, asks for a password, or reports the message.
 */
export function ConnectFlowProvider({ children }: { children: ReactNode }) {
  const { client, mode } = useApi();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [pending, setPending] = useState<ReadonlySet<number>>(new Set());
  const [trusting, setTrusting] = useState(false);
  const attemptSeq = useRef(0);
  const promptSeq = useRef(0);

  const mark = useCallback((id: number, busy: boolean) => {
    setPending((prev) => {
      const next = new Set(prev);
      if (busy) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  const handleProblem = useCallback(
    (host: HostWithState, problem: Problem, credentials: Credentials) => {
      const step = decideNextStep(problem, host.auth, { password: Boolean(credentials.password), sudoPassword: Boolean(credentials.sudoPassword), passphrase: Boolean(credentials.passphrase) });
      switch (step.kind) {
        case 'verify-hostkey':
          // Keep what the user already typed (e.g. a key passphrase) for the retry after trusting.
          setPrompt({ kind: 'verify-hostkey', host, key: step.key, credentials });
          return;
        case 'hostkey-changed':
          setPrompt({ kind: 'hostkey-changed', host, key: step.key, message: problem.message });
          return;
        case 'ask-password':
          promptSeq.current += 1;
          setPrompt({ kind: 'ask-password', host, purpose: step.purpose, retry: step.retry, message: problem.message, credentials, seq: promptSeq.current });
          return;
        case 'report':
          setPrompt(null);
          if (problem.problem !== 'cancelled') toast({ tone: 'error', title: `Could not connect to ${host.name}`, message: problem.message });
      }
    },
    [toast],
  );

  const attempt = useCallback(
    async (host: HostWithState, credentials: Credentials = {}) => {
      const seq = ++attemptSeq.current;
      mark(host.id, true);
      const hasSecrets = credentials.password !== undefined || credentials.passphrase !== undefined || credentials.sudoPassword !== undefined;
      try {
        const state = await client.hosts.connect({ id: host.id, credentials: hasSecrets ? credentials : undefined });
        setHostConnection(queryClient, host.id, state);
        if (state.state === 'failed') {
          const code = isProblemCode(state.problem) ? state.problem : 'internal-error';
          handleProblem(host, { problem: code, message: state.message, details: state.details }, credentials);
        } else if (seq === attemptSeq.current) {
          setPrompt(null);
        }
      } catch (err) {
        const problem = toApiError(err);
        if (problem.problem !== 'cancelled') {
          setHostConnection(queryClient, host.id, { state: 'failed', problem: problem.problem, message: problem.message, details: problem.details });
        }
        handleProblem(host, problem, credentials);
      } finally {
        mark(host.id, false);
      }
    },
    [client, queryClient, handleProblem, mark],
  );

  const disconnect = useCallback(
    async (host: HostWithState) => {
      mark(host.id, true);
      try {
        await client.hosts.disconnect({ id: host.id });
      } catch (err) {
        toast({ tone: 'error', title: `Could not disconnect ${host.name}`, message: toApiError(err).message });
      } finally {
        mark(host.id, false);
      }
    },
    [client, toast, mark],
  );

  const trust = useCallback(
    async (host: HostWithState, key: NewHostKey, credentials: Credentials = {}) => {
      setTrusting(true);
      try {
        await client.hosts.trustHostKey({ id: host.id, fingerprint: key.fingerprint });
      } catch (err) {
        setPrompt(null);
        toast({ tone: 'error', title: `Could not trust the key of ${host.name}`, message: toApiError(err).message });
        return;
      } finally {
        setTrusting(false);
      }
      setPrompt(null);
      toast({ tone: 'success', title: `Trusted the ${key.keyType} key of ${host.name}`, message: 'Connecting again…' });
      await attempt(host, credentials);
    },
    [client, toast, attempt],
  );

  const askingHostKey = prompt?.kind === 'verify-hostkey' ? prompt.host.id : null;
  const value = useMemo<ConnectFlow>(
    () => ({ connect: (host) => void attempt(host), disconnect: (host) => void disconnect(host), pending, askingHostKey }),
    [attempt, disconnect, pending, askingHostKey],
  );

  const close = () => setPrompt(null);
  return (
    <ConnectFlowContext.Provider value={value}>
      {children}
      {prompt?.kind === 'verify-hostkey' ? (
        <HostKeyDialog host={prompt.host} hostKey={prompt.key} busy={trusting || pending.has(prompt.host.id)} onTrust={() => void trust(prompt.host, prompt.key, prompt.credentials)} onCancel={close} />
      ) : null}
      {prompt?.kind === 'hostkey-changed' ? <HostKeyChangedDialog host={prompt.host} hostKey={prompt.key} message={prompt.message} onClose={close} /> : null}
      {prompt?.kind === 'ask-password' ? (
        <PasswordDialog
          key={prompt.seq}
          host={prompt.host}
          purpose={prompt.purpose}
          retry={prompt.retry}
          message={prompt.message}
          busy={pending.has(prompt.host.id)}
          canRemember={mode === 'electron'}
          onCancel={close}
          onSubmit={(secret, remember) => {
            const next: Credentials =
              prompt.purpose === 'login'
                ? { ...prompt.credentials, password: secret }
                : prompt.purpose === 'passphrase'
                  ? { ...prompt.credentials, passphrase: secret }
                  : { ...prompt.credentials, sudoPassword: secret };
            if (remember) next.remember = true;
            void attempt(prompt.host, next);
          }}
        />
      ) : null}
    </ConnectFlowContext.Provider>
  );
}

export function useConnectFlow(): ConnectFlow {
  const flow = useContext(ConnectFlowContext);
  if (!flow) throw new Error('useConnectFlow needs a ConnectFlowProvider');
  return flow;
}
