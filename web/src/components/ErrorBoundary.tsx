import { Component, type ReactNode } from 'react';
import { Button, Result } from 'antd';

interface Props {
  children: ReactNode;
  title: string;
  action: string;
}

/** A page that throws while rendering shows what happened and a way on, never a blank screen. */
export class ErrorBoundary extends Component<Props, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Result
        status="error"
        title={this.props.title}
        subTitle={this.state.error.message}
        extra={<Button onClick={() => window.location.reload()}>{this.props.action}</Button>}
      />
    );
  }
}
