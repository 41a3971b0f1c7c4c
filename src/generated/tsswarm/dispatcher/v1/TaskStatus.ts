// Original file: proto/dispatcher.proto


export interface TaskStatus {
  'task_id'?: (string);
  'state'?: (string);
  'message'?: (string);
  'err'?: (string);
  'container_id'?: (string);
  'pid'?: (number);
  'exit_code'?: (number);
  'has_exit_code'?: (boolean);
  'timestamp'?: (string);
}

export interface TaskStatus__Output {
  'task_id': (string);
  'state': (string);
  'message': (string);
  'err': (string);
  'container_id': (string);
  'pid': (number);
  'exit_code': (number);
  'has_exit_code': (boolean);
  'timestamp': (string);
}
