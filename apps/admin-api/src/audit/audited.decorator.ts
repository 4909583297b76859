import { SetMetadata } from '@nestjs/common';

export const AUDITED = 'xao:audited';

/** Audits a GET that writes (the OAuth callback); every POST, PUT, PATCH and DELETE is audited anyway. */
export const Audited = () => SetMetadata(AUDITED, true);
