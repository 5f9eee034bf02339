import { Navigate } from 'react-router';
import { hasRole, useMe } from '../lib/session';

/**
 * The start page is where the user's work is: the warehouse scans, officers and clerks open their cases,
 * approvers decide, inspectors search, administrators keep the directory.
 */
export default function Home() {
  const { data: me } = useMe();
  if (hasRole(me, 'officer', 'clerk')) return <Navigate to="/cases" replace />;
  if (hasRole(me, 'warehouse')) return <Navigate to="/scan" replace />;
  if (hasRole(me, 'approver')) return <Navigate to="/decisions" replace />;
  if (hasRole(me, 'inspector')) return <Navigate to="/search" replace />;
  if (hasRole(me, 'admin')) return <Navigate to="/admin/users" replace />;
  return <Navigate to="/cases" replace />;
}
