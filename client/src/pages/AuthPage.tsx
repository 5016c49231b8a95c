import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { splitErrors } from '../api/http';
import { useAuthMutation, useCurrentUser } from '../api/queries';
import { Field } from '../components/Field';
import { ErrorNotice, Loading } from '../components/Status';

type Mode = 'signup' | 'signin';

const TEXT: Record<Mode, { heading: string; action: string; other: { to: string; text: string } }> = {
  signup: { heading: 'Create an account', action: 'Sign up', other: { to: '/signin', text: 'Already have an account? Sign in here' } },
  signin: { heading: 'Sign in to Ticketing', action: 'Sign in', other: { to: '/signup', text: 'New here? Create an account' } },
};

/** Where to go after signing in: the page that sent the user here, or the landing page. */
function useReturnTo(): string {
  const state: unknown = useLocation().state;
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') ? from : '/';
}

function AuthForm({ mode }: { mode: Mode }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const auth = useAuthMutation(mode);
  const navigate = useNavigate();
  const location = useLocation();
  const returnTo = useReturnTo();
  const { byField, general } = splitErrors(auth.error, ['email', 'password']);
  const text = TEXT[mode];

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    auth.mutate({ email, password }, { onSuccess: () => navigate(returnTo, { replace: true }) });
  };

  return (
    <form onSubmit={submit} noValidate className="card form">
      <ErrorNotice messages={general} />
      <Field label="Email" type="email" autoComplete="email" value={email} onChange={setEmail} error={byField.email} required />
      <Field
        label="Password"
        type="password"
        autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
        value={password}
        onChange={setPassword}
        error={byField.password}
        required
      />
      {mode === 'signup' ? <p className="hint">At least 8 characters; common passwords are refused.</p> : null}
      <button type="submit" className="button primary" disabled={auth.isPending}>
        {text.action}
      </button>
      <p className="aside">
        <Link to={text.other.to} state={location.state as unknown}>
          {text.other.text}
        </Link>
      </p>
    </form>
  );
}

export function AuthPage({ mode }: { mode: Mode }) {
  const { data: user, isPending } = useCurrentUser();
  const returnTo = useReturnTo();
  return (
    <section className="narrow">
      <h1>{TEXT[mode].heading}</h1>
      {returnTo !== '/' && !user ? <p className="notice">Please sign in or create an account to continue.</p> : null}
      {isPending ? <Loading /> : user ? <Navigate to={returnTo} replace /> : <AuthForm key={mode} mode={mode} />}
    </section>
  );
}
