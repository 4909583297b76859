/** Injection tokens: providers are built by factories, so nothing depends on decorator metadata. */
export const CONFIG = Symbol('ReconcilerConfig');
export const LOGGER = Symbol('Logger');
export const KUBE_CONFIG = Symbol('KubeConfig');
export const METRICS = Symbol('ReconcilerMetrics');
export const MODEL_ORM = Symbol('ModelOrm');
export const REDIS = Symbol('Redis');
export const XERO_CLIENTS = Symbol('XeroClients');
export const TOKEN_MANAGER = Symbol('TokenManager');
export const POLICY_EVALUATOR = Symbol('PolicyEvaluator');
export const WEBHOOK_SENDER = Symbol('WebhookSender');
export const ALERT_TARGETS = Symbol('AlertTargets');
export const EVENT_RECORDER = Symbol('EventRecorder');
export const CONNECTION_RECONCILER = Symbol('ConnectionReconciler');
export const OPERATOR = Symbol('Operator');
