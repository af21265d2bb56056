/** The tfjs runtime: backend selection (differentiable ops and the float64 bridge land here next). */
export {
  BACKEND_REQUESTS,
  initBackend,
  parseBackendRequest,
  type BackendAttempt,
  type BackendChoice,
  type BackendRequest,
  type InitBackendOptions,
} from './backend.js';
