// Which server DaTamer's own MSEs are about: this host, when its name is a fully qualified one
// (the :svr: tag accepts nothing else; a bare "datamer-7f9c" would only be a tag warning).
import { isFqdn } from '../classification/tags.js';

export function selfServer(hostname: string): string | null {
  const name = hostname.trim().toLowerCase().replace(/\.$/, '');
  return isFqdn(name) ? name : null;
}
