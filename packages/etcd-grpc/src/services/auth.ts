// etcd's Auth service while auth is disabled. Keel has no users or roles yet, so each call gets
// the answer etcd gives when auth was never enabled and no user or role exists: status reports
// disabled, lists are empty, lookups find nothing, enabling needs a root user, and
// authenticating is refused with "authentication is not enabled". Adding users or roles is
// refused the same way (etcd would store them; Keel does not yet).
import type { EtcdBackend } from '../backend.js';
import { headerOf } from '../codec-kv.js';
import type { ServiceMethods } from '../grpc-method.js';
import { unary } from '../unary-method.js';
import { EtcdAnswer, etcdStatuses, type EtcdStatusName } from '../status.js';

/** A unary handler that always answers etcd's error `name`. */
function refuse(backend: EtcdBackend, name: EtcdStatusName) {
  return unary<object>(backend, () => {
    throw new EtcdAnswer(etcdStatuses[name]);
  });
}

/** The Auth service's handlers. */
export function authService(backend: EtcdBackend): ServiceMethods {
  const header = (): object => headerOf(backend);
  return {
    AuthEnable: refuse(backend, 'rootUserNotExist'),
    AuthDisable: unary<object>(backend, () => ({ header: header() })),
    AuthStatus: unary<object>(backend, () => ({
      header: header(),
      enabled: false,
      authRevision: 0,
    })),
    Authenticate: refuse(backend, 'authNotEnabled'),
    UserAdd: refuse(backend, 'authNotEnabled'),
    UserGet: refuse(backend, 'userNotFound'),
    UserList: unary<object>(backend, () => ({ header: header(), users: [] })),
    UserDelete: refuse(backend, 'userNotFound'),
    UserChangePassword: refuse(backend, 'userNotFound'),
    UserGrantRole: refuse(backend, 'userNotFound'),
    UserRevokeRole: refuse(backend, 'userNotFound'),
    RoleAdd: refuse(backend, 'authNotEnabled'),
    RoleGet: refuse(backend, 'roleNotFound'),
    RoleList: unary<object>(backend, () => ({ header: header(), roles: [] })),
    RoleDelete: refuse(backend, 'roleNotFound'),
    RoleGrantPermission: refuse(backend, 'roleNotFound'),
    RoleRevokePermission: refuse(backend, 'roleNotFound'),
  };
}
