export * from './clock';
export * from './position';
export * from './engine';
export * from './simulation';
