import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';

/** Environment of the contacts app: the platform's variables with its own HTTP port. */
export class ContactsEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.contacts;
}
