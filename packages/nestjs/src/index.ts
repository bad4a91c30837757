// The package entry of @weir/nestjs (package.json "exports"): what applications import.
export { ClientWeir } from './client-weir';
export type { ClientWeirOptions } from './client-weir';
export {
  describeFailure,
  isNonRetriable,
  NonRetriableRpcException,
} from './non-retriable-rpc.exception';
export { ServerWeir } from './server-weir';
export type { ServerWeirOptions } from './server-weir';
export { WeirContext } from './weir-context';
export { WeirExceptionFilter } from './weir-exception.filter';
export type { TransportError } from './weir-exception.filter';
export { WEIR_TRANSPORT, WeirEvent, WeirHeader, WeirStatus } from './weir-headers';
export type { WeirEventsMap } from './weir-headers';
