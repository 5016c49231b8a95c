import { Link, NavLink, useNavigate } from 'react-router';
import { useCurrentUser, useSignOut } from '../api/queries';

function SignedIn({ email }: { email: string }) {
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <>
      <NavLink to="/tickets/new">Sell a ticket</NavLink>
      <NavLink to="/orders" end>
        My orders
      </NavLink>
      <span className="who" title={email}>
        {email}
      </span>
      <button
        type="button"
        className="link-button"
        disabled={signOut.isPending}
        onClick={() => signOut.mutate(undefined, { onSuccess: () => navigate('/') })}
      >
        Sign out
      </button>
    </>
  );
}

export function Header() {
  const { data: user, isPending } = useCurrentUser();
  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link to="/" className="brand">
          Ticketing
        </Link>
        <nav aria-label="Main" className="nav">
          {isPending ? null : user ? (
            <SignedIn email={user.email} />
          ) : (
            <>
              <NavLink to="/signin">Sign in</NavLink>
              <NavLink to="/signup">Sign up</NavLink>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
