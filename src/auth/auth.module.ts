import { Global, Module } from '@nestjs/common';
import { AccessControl } from './access-control';

/** Tokens, permissions and the audit log; the guard and the frame check use `AccessControl`. */
@Global()
@Module({
  providers: [AccessControl],
  exports: [AccessControl],
})
export class AuthModule {}
